#pragma once
// The error codes of remote execution that the submitters report (DBTPY500–549; the engine
// has 550–599), with the one-line hint each comes with. docs/errors.md lists every code with
// an example; codes are stable. Constants and a pure function; thread-safe.
#include <string>
#include <string_view>

namespace dbtpy::submitters::codes {

inline constexpr const char* kRequestFailed = "DBTPY500";   // the platform refused a step
inline constexpr const char* kOutcomeUnknown = "DBTPY501";  // sent, no answer, not resendable
inline constexpr const char* kMissingField = "DBTPY502";    // an answer lacks a needed field
inline constexpr const char* kCheckFailed = "DBTPY503";     // a payload response check failed
inline constexpr const char* kPlaceholder = "DBTPY504";     // a value the step needs is unknown
inline constexpr const char* kPythonError = "DBTPY505";     // the model raised remotely
inline constexpr const char* kRemoteFailed = "DBTPY506";    // remote work ended unsuccessfully
inline constexpr const char* kUnknownState = "DBTPY507";    // unknown state beyond the bound
inline constexpr const char* kLostTrack = "DBTPY508";       // status unreadable beyond bound
inline constexpr const char* kCancelled = "DBTPY509";       // cancelled (user, signal, fail-fast)
inline constexpr const char* kTimedOut = "DBTPY510";        // the model's timeout elapsed
inline constexpr const char* kCancelUnconfirmed = "DBTPY511";  // no terminal state after cancel
inline constexpr const char* kCleanupFailed = "DBTPY512";      // a cleanup step failed
inline constexpr const char* kClusterNotReady = "DBTPY513";    // Databricks cluster not usable
inline constexpr const char* kContextFailed = "DBTPY514";      // no execution context after retries
inline constexpr const char* kUserName = "DBTPY515";           // ${USER_NAME} unresolvable
inline constexpr const char* kUnknownFollowKind = "DBTPY516";  // payload from another dbtpy
inline constexpr const char* kNoClient = "DBTPY517";           // no client for the credential
inline constexpr const char* kReplayFailed = "DBTPY518";       // `dbtpy cancel` item failed
inline constexpr const char* kInternal = "DBTPY519";           // unexpected error in the executor

// The hint printed under an error of this code ("" for unknown codes).
std::string hint(std::string_view code);

}  // namespace dbtpy::submitters::codes
