#include "workload.h"
