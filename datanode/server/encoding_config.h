// The value encodings' thresholds (hash-max-listpack-entries, hash-max-listpack-value) and the list node
// size (list-max-listpack-size), set-max-intset-entries: the stores read them process-wide, as Redis' server struct holds them;
// the server keeps them equal to its settings at start and after CONFIG SET.
#pragma once

namespace datanode {

class Server;

void install_encoding_config(Server& server);

}  // namespace datanode
