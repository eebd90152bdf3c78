#pragma once
// Drops the TCP connection a request arrived on, from inside its handler: the "connection
// lost after the server accepted the submit" fault. cpp-httplib does not expose the socket,
// so the socket is found among the process's descriptors by its address pair, then reset
// (SO_LINGER 0 + shutdown). httplib's own write then fails and it closes the descriptor as
// usual; the client sees a reset or an empty reply and no response. Linux only.
#include <httplib.h>

namespace dbtpy::sandbox {

// The descriptor of the connection `req` arrived on, or -1.
int connection_socket(const httplib::Request& req);
// Resets the connection (SO_LINGER 0 + shutdown); httplib closes the descriptor later.
void reset_connection(int fd);

}  // namespace dbtpy::sandbox
