// Redis 7's exact texts for the authentication gate, shared by the datanode and the sentinel: clients and
// tools (redis-cli, client libraries, a replica's handshake) match on them, so they are copied byte for
// byte from redis-server 7.0, typos included.
#pragma once

namespace command {

inline constexpr const char* kNoAuthError = "NOAUTH Authentication required.";

inline constexpr const char* kWrongPassError =
    "WRONGPASS invalid username-password pair or user is disabled.";

inline constexpr const char* kAuthWithoutPasswordError =
    "ERR AUTH <password> called without any password configured for the default user. Are you sure your "
    "configuration is correct?";

inline constexpr const char* kHelloNoAuthError =
    "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> "
    "<pass> option can be used to authenticate the client and select the RESP protocol version at the "
    "same time";

// Sent (then the connection is closed) to a non-loopback client while protected mode is on and the
// default user has no password.
inline constexpr const char* kProtectedModeError =
    "DENIED Redis is running in protected mode because protected mode is enabled and no password is set "
    "for the default user. In this mode connections are only accepted from the loopback interface. If you "
    "want to connect from external computers to Redis you may adopt one of the following solutions: 1) "
    "Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback "
    "interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis "
    "is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change "
    "permanent. 2) Alternatively you can just disable the protected mode by editing the Redis "
    "configuration file, and setting the protected mode option to 'no', and then restarting the server. "
    "3) If you started the server manually just for testing, restart it with the '--protected-mode no' "
    "option. 4) Setup a an authentication password for the default user. NOTE: You only need to do one of "
    "the above things in order for the server to start accepting connections from the outside.";

}  // namespace command
