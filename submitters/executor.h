#pragma once
// The generic payload executor: the one implementation of Execution (execution.h) for every
// platform. It plays a codegen::Payload exactly as reviewed — main steps in order with run_if,
// captures and checks; the remote work of a step followed to a terminal state by the
// Follower of its kind (follower.h) before the next step; cleanup steps once armed, on every
// path; idempotent resends only where the payload carries a key (the transport resends, the
// Google 409-for-our-own-id case attaches) — and tells the ExecutionObserver everything the
// run ledger needs before the effect could be lost. Remote tracebacks are mapped back to the
// model file (traceback.h).
//
// State machine: advance() does at most one logical HTTP exchange (plus the transport's own
// retries) and returns how to continue; waiting happens in the engine. cancel() only records
// the request (thread-safe); the next advance() sends the platform's cancel.
//
// Ownership: the payload, clients and observer are borrowed and must outlive the Execution.
// Thread-safety: as Execution (advance() from one thread at a time; cancel() from any).
#include <memory>

#include "submitters/execution.h"

namespace dbtpy::submitters {

// The same as make_execution() (execution.h), which forwards here.
std::unique_ptr<Execution> make_payload_execution(const codegen::Payload& payload,
                                                  const ExecutionOptions& options, Clients clients,
                                                  ExecutionObserver& observer);

}  // namespace dbtpy::submitters
