#pragma once
// Why an attempt produced no HTTP response, and whether the request may have reached the
// server. The second fact decides whether a non-idempotent request may be sent again: a
// connect that was refused or a name that did not resolve sent nothing, while a connection
// reset after the request went out leaves its fate unknown. Value type (an exception).
#include <stdexcept>
#include <string>
#include <string_view>

namespace dbtpy::submitters::http {

enum class TransportFailure {
  kResolve,         // the host (or proxy) name did not resolve
  kConnect,         // TCP connect refused or unreachable
  kTls,             // TLS handshake failed for another reason than trust
  kTlsVerify,       // the server certificate is not trusted or does not match the host
  kTimeout,         // connect or attempt timeout
  kConnectionLost,  // reset, closed or empty reply after connecting
  kProxy,           // the proxy refused or failed the tunnel
  kInsecureUrl,     // refused before any I/O: plain http to a non-loopback host
  kBadUrl,          // not an absolute http(s) URL
  kCancelled,       // the run was interrupted
  kTooLarge,        // the response exceeded the client's size limit
  kOther,
};

enum class SentState {
  kNotSent,    // nothing of the request left this process
  kMaybeSent,  // some or all of it was written: the server may have acted on it
};

std::string_view failure_name(TransportFailure f);  // "connect", "tls-verify", ...

// True for failures another attempt may cure (resolve, connect, TLS handshake, timeout,
// connection lost, proxy). Untrusted certificates, refused URLs and cancellation are not.
bool is_transient(TransportFailure f);

class TransportError : public std::runtime_error {
 public:
  TransportError(TransportFailure failure, SentState sent, std::string detail)
      : std::runtime_error(detail), failure_(failure), sent_(sent) {}

  TransportFailure failure() const { return failure_; }
  SentState sent() const { return sent_; }
  bool may_have_been_sent() const { return sent_ == SentState::kMaybeSent; }

 private:
  TransportFailure failure_;
  SentState sent_;
};

}  // namespace dbtpy::submitters::http
