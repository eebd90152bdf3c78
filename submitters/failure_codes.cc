#include "submitters/failure_codes.h"

#include <map>

namespace dbtpy::submitters::codes {

std::string hint(std::string_view code) {
  static const std::map<std::string_view, std::string_view> kHints = {
      {kRequestFailed,
       "the platform rejected the request; its message above says which field or value"},
      {kOutcomeUnknown,
       "the request may have reached the platform and could not be safely resent; check on the "
       "platform whether it started (the run ledger records what was sent) before running again"},
      {kMissingField,
       "the platform answered in a shape dbtpy does not expect; rerun with --debug and report "
       "it with the answer shown"},
      {kCheckFailed, "fix the model's configuration as the message says"},
      {kPlaceholder,
       "the payload needs a value dbtpy could not provide; recompile with `dbtpy compile` and "
       "report it if it persists"},
      {kPythonError,
       "fix the model code at the location shown (the traceback is mapped to your file)"},
      {kRemoteFailed, "see the platform's message above; its console page has the details"},
      {kUnknownState,
       "the platform reported a state this dbtpy does not know; check the work in the platform's "
       "console and report the state"},
      {kLostTrack,
       "the platform's status API kept failing; check the work in the platform's console "
       "(dbtpy asked it to cancel) and retry later"},
      {kCancelled, "the run was stopped before the model finished; run it again"},
      {kTimedOut, "raise the model's `timeout` config or make the model faster"},
      {kCancelUnconfirmed,
       "check the platform's console; `dbtpy cancel --run <run id>` cancels what is left"},
      {kCleanupFailed,
       "the model's result is unaffected; `dbtpy cancel --run <run id>` retries the cleanup"},
      {kClusterNotReady,
       "check the cluster in the Databricks console (state message, libraries), or use a job "
       "cluster"},
      {kContextFailed,
       "the cluster could not start a Python context; check the cluster's driver logs or "
       "restart it"},
      {kUserName,
       "check that the token belongs to a workspace user or service principal, or set "
       "user_folder_for_python: false"},
      {kUnknownFollowKind, "compile and run with the same dbtpy version"},
      {kNoClient, "compile and run with the same target"},
      {kReplayFailed, "cancel or delete it in the platform's console"},
      {kInternal, "this is a dbtpy bug; rerun with --debug and report it with the output"},
  };
  auto it = kHints.find(code);
  return it == kHints.end() ? std::string() : std::string(it->second);
}

}  // namespace dbtpy::submitters::codes
