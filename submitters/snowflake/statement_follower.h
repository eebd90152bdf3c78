#pragma once
// Following a Snowflake SQL API v2 statement (Follow kind `snowflake_statement`). The statement
// is submitted with `async=true`, so the API answers at once and the engine owns the waiting;
// GET /api/v2/statements/{handle} then answers 202 while it runs, 200 with the result set when
// it succeeded and 422 with the error when it failed (cancelled: code 000604; timed out:
// 000630; a Python exception: 100357 "Python Interpreter Error" carrying the traceback). The
// procedure's return value (first cell) is the model's output. Not thread-safe (one executor).
#include <memory>

#include "submitters/follower.h"

namespace dbtpy::submitters::snowflake {

std::unique_ptr<Follower> make_statement_follower();

}  // namespace dbtpy::submitters::snowflake
