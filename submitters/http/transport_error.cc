#include "submitters/http/transport_error.h"

namespace dbtpy::submitters::http {

std::string_view failure_name(TransportFailure f) {
  switch (f) {
    case TransportFailure::kResolve:
      return "resolve";
    case TransportFailure::kConnect:
      return "connect";
    case TransportFailure::kTls:
      return "tls";
    case TransportFailure::kTlsVerify:
      return "tls-verify";
    case TransportFailure::kTimeout:
      return "timeout";
    case TransportFailure::kConnectionLost:
      return "connection-lost";
    case TransportFailure::kProxy:
      return "proxy";
    case TransportFailure::kInsecureUrl:
      return "insecure-url";
    case TransportFailure::kBadUrl:
      return "bad-url";
    case TransportFailure::kCancelled:
      return "cancelled";
    case TransportFailure::kTooLarge:
      return "too-large";
    case TransportFailure::kOther:
      return "other";
  }
  return "other";
}

bool is_transient(TransportFailure f) {
  switch (f) {
    case TransportFailure::kResolve:
    case TransportFailure::kConnect:
    case TransportFailure::kTls:
    case TransportFailure::kTimeout:
    case TransportFailure::kConnectionLost:
    case TransportFailure::kProxy:
      return true;
    case TransportFailure::kTlsVerify:
    case TransportFailure::kInsecureUrl:
    case TransportFailure::kBadUrl:
    case TransportFailure::kCancelled:
    case TransportFailure::kTooLarge:
    case TransportFailure::kOther:
      return false;
  }
  return false;
}

}  // namespace dbtpy::submitters::http
