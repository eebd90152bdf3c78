#pragma once
// Drops the TCP connection a request arrived on, from inside its handler: the "connection
// lost after the server accepted the submit" fault. cpp-httplib does not expose the socket,
// so the socket is found among the process's descriptors by its address pair, then reset
// (SO_LINGER 0 + shutdown). httplib's own write then fails and it closes the descriptor as
// usual; the client sees a reset or an empty reply and no response. Linux only.
#include <httplib.h>

namespace dbtpy::sandbox {

// True when the connection's socket was found and shut down.
bool drop_connection(const httplib::Request& req);

}  // namespace dbtpy::sandbox
