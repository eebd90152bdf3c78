#include "cli/run_printer.h"

#include <fmt/format.h>

#include <csignal>
#include <cstdio>
#include <ctime>

namespace dbtpy::cli {
namespace {

using runner::ResultStatus;

// dbt pads the text between the message and the status with dots to a fixed width.
constexpr size_t kLineWidth = 80;

// `status_width`: the printed width of `status` (it may hold colour codes).
std::string dotted(const std::string& left, const std::string& status, size_t status_width = 0) {
  if (status_width == 0) status_width = status.size();
  std::string out = left + " ";
  if (out.size() + status_width + 1 + 3 <= kLineWidth)
    out.append(kLineWidth - out.size() - status_width - 1, '.');
  else
    out += "...";
  return out + " " + status;
}

std::string model_kind(const runner::PlannedModel& m) {
  return "python " + (m.materialized.empty() ? std::string("table") : m.materialized) + " model";
}

std::string relation_text(const runner::PlannedModel& m) {
  return m.display_relation.empty() ? m.name : m.display_relation;
}

std::string signal_name(int signal) {
  if (signal == SIGINT) return "SIGINT";
  if (signal == SIGTERM) return "SIGTERM";
  return fmt::format("signal {}", signal);
}

std::string plural(size_t n, std::string_view word) {
  return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s");
}

// dbt: "0 hours 1 minutes and 2.50 seconds (62.50s)".
std::string dbt_duration(double secs) {
  const long long whole = static_cast<long long>(secs);
  const long long hours = whole / 3600, minutes = (whole % 3600) / 60;
  const double rest = secs - static_cast<double>(hours * 3600 + minutes * 60);
  std::string text;
  if (hours) text += fmt::format("{} hours ", hours);
  if (hours || minutes) text += fmt::format("{} minutes and ", minutes);
  return text + fmt::format("{:.2f} seconds ({:.2f}s)", rest, secs);
}

}  // namespace

std::string clock_prefix() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%H:%M:%S", &tm);
  return buf;
}

RunPrinter::RunPrinter(Reporter& reporter, RunPrinterOptions options)
    : reporter_(reporter), options_(options) {
  if (reporter_.json()) options_.live_progress = false;
}

void RunPrinter::clear_live_locked() {
  if (!live_shown_) return;
  std::fputs("\r\033[K", stderr);
  live_shown_ = false;
}

void RunPrinter::clear_live() {
  std::lock_guard lock(mu_);
  clear_live_locked();
}

void RunPrinter::line(std::string_view event, const std::string& text, const Json& fields,
                      Tone tone, bool force) {
  if (text.empty() && reporter_.json()) return;  // spacing lines are for humans
  clear_live_locked();
  reporter_.event(event, reporter_.json() ? text : clock_prefix() + "  " + text, fields, tone,
                  force);
}

void RunPrinter::info(std::string_view event, std::string_view text, const Json& fields,
                      Tone tone) {
  std::lock_guard lock(mu_);
  line(event, std::string(text), fields, tone);
}

void RunPrinter::model_started(const runner::PlannedModel& m, int index, int total) {
  std::lock_guard lock(mu_);
  line("model_started",
       dotted(fmt::format("{} of {} START {} {}", index, total, model_kind(m), relation_text(m)),
              "[RUN]"),
       {{"unique_id", m.unique_id},
        {"index", index},
        {"total", total},
        {"relation", m.relation_name},
        {"platform", m.platform}},
       Tone::kPlain);
}

void RunPrinter::remote_handle(const runner::PlannedModel& m, const submitters::RemoteHandle& h) {
  if (h.url.empty()) return;
  std::lock_guard lock(mu_);
  if (!urls_shown_.insert(m.unique_id + "\n" + h.url).second) return;
  line("remote_url", fmt::format("  {} {}: {}", m.name, h.kind, h.url),
       {{"unique_id", m.unique_id}, {"kind", h.kind}, {"id", h.id}, {"url", h.url}}, Tone::kDim);
}

void RunPrinter::remote_state(const runner::PlannedModel& m, std::string_view step,
                              std::string_view state, std::string_view message) {
  // Shown in JSON mode (CI wants every transition) and with --debug through the log; the
  // text log stays one line per model start and end, as dbt's does.
  if (!reporter_.json()) return;
  std::lock_guard lock(mu_);
  line("remote_state", fmt::format("{} {} {}", m.unique_id, step, state),
       {{"unique_id", m.unique_id},
        {"step", std::string(step)},
        {"state", std::string(state)},
        {"message", std::string(message)}},
       Tone::kPlain);
}

void RunPrinter::model_finished(const runner::PlannedModel& m, const runner::ModelResult& r,
                                int total) {
  std::lock_guard lock(mu_);
  Json fields = {{"unique_id", m.unique_id},
                 {"index", r.index},
                 {"total", total},
                 {"status", std::string(runner::result_status_name(r.status))},
                 {"execution_time", r.execution_time},
                 {"message", r.message},
                 {"adapter_response", r.adapter_response},
                 {"settled", r.settled}};
  const std::string secs = fmt::format("{:.2f}s", r.execution_time);
  switch (r.status) {
    case ResultStatus::kSuccess:
      line("model_ok",
           dotted(fmt::format("{} of {} OK created {} {}", r.index, total, model_kind(m),
                              relation_text(m)),
                  reporter_.paint("[OK", Tone::kGood) + " in " + secs + "]", secs.size() + 8),
           fields, Tone::kPlain, /*force=*/true);
      if (options_.show_output && !r.remote_output.empty()) {
        clear_live_locked();
        for (size_t b = 0; b < r.remote_output.size();) {
          size_t e = r.remote_output.find('\n', b);
          if (e == std::string::npos) e = r.remote_output.size();
          reporter_.output("    " + r.remote_output.substr(b, e - b));
          b = e + 1;
        }
      }
      break;
    case ResultStatus::kError:
      line("model_error",
           dotted(fmt::format("{} of {} ERROR creating {} {}", r.index, total, model_kind(m),
                              relation_text(m)),
                  reporter_.paint("[ERROR", Tone::kBad) + " in " + secs + "]", secs.size() + 11),
           fields, Tone::kPlain, /*force=*/true);
      break;
    case ResultStatus::kSkipped:
      line("model_skipped",
           dotted(fmt::format("{} of {} SKIP relation {}", r.index, total, relation_text(m)),
                  reporter_.paint("[SKIP]", Tone::kWarn), 6),
           fields, Tone::kPlain, /*force=*/true);
      break;
  }
  for (const auto& w : r.cleanup_failures)
    line("cleanup_failed", fmt::format("  warning: {}: {}", m.name, w),
         {{"unique_id", m.unique_id}, {"message", w}}, Tone::kWarn, /*force=*/true);
}

void RunPrinter::stopping(runner::StopReason reason, int signal, size_t in_flight,
                          std::chrono::milliseconds wait) {
  std::lock_guard lock(mu_);
  const std::string why = reason == runner::StopReason::kSignal
                              ? "Received " + signal_name(signal)
                              : std::string("A model failed and --fail-fast is set");
  const std::string text = in_flight == 0
                               ? why + ": stopping; no model is running."
                               : fmt::format(
                                     "{}: cancelling {} in flight; waiting up to {}s for the "
                                     "platforms to confirm (Ctrl-C again to stop waiting).",
                                     why, plural(in_flight, "model"), wait.count() / 1000);
  line("stopping", text,
       {{"reason", reason == runner::StopReason::kSignal ? "signal" : "fail_fast"},
        {"signal", signal},
        {"in_flight", in_flight},
        {"wait_seconds", static_cast<double>(wait.count()) / 1000.0}},
       Tone::kWarn, /*force=*/true);
}

void RunPrinter::heartbeat(const runner::Progress& p) {
  std::lock_guard lock(mu_);
  if (p.cancel_wait_left) {
    // The visible countdown while the platforms confirm cancellations: every second on a
    // terminal, every 5 s in logs.
    const long long left = (p.cancel_wait_left->count() + 999) / 1000;
    if (p.running > 0 && left != last_countdown_ && (options_.live_progress || left % 5 == 0)) {
      last_countdown_ = left;
      if (options_.live_progress) {
        clear_live_locked();
        std::fputs(fmt::format("\rWaiting for {} to confirm cancellation... {}s",
                               plural(p.running, "model"), left)
                       .c_str(),
                   stderr);
        live_shown_ = true;
      } else {
        line("cancel_wait",
             fmt::format("Waiting for {} to confirm cancellation ({}s left)",
                         plural(p.running, "model"), left),
             {{"running", p.running}, {"seconds_left", left}}, Tone::kWarn);
      }
    }
    return;
  }
  if (!options_.live_progress) return;
  std::string states;
  for (const auto& [state, n] : p.remote_states)
    states += fmt::format("{}{} {}", states.empty() ? " (" : ", ", n, state);
  if (!states.empty()) states += ")";
  const std::string text =
      fmt::format("[{:>4}s] {} / {} done: {} ok, {} error, {} skipped | {} running{} | {} waiting",
                  p.elapsed.count() / 1000, p.succeeded + p.failed + p.skipped, p.total,
                  p.succeeded, p.failed, p.skipped, p.running, states, p.not_started);
  std::fputs(("\r\033[K" + text).c_str(), stderr);
  live_shown_ = true;
}

void RunPrinter::summary(const runner::RunPlan& plan, const runner::RunOutcome& o) {
  std::lock_guard lock(mu_);
  clear_live_locked();
  const size_t ok = o.count(ResultStatus::kSuccess), errors = o.count(ResultStatus::kError),
               skipped = o.count(ResultStatus::kSkipped), total = plan.models.size();
  line("run_finished_line", "", {}, Tone::kPlain, /*force=*/!reporter_.json());
  line("run_finished",
       fmt::format("Finished running {} in {}.", plural(total, "python model"),
                   dbt_duration(o.elapsed_seconds)),
       {{"total", total}, {"elapsed", o.elapsed_seconds}}, Tone::kPlain, /*force=*/true);
  if (errors == 0 && o.stopped == runner::StopReason::kNone) {
    line("completed", reporter_.paint("Completed successfully", Tone::kGood), {}, Tone::kPlain,
         true);
  } else {
    line("completed",
         reporter_.paint(fmt::format("Completed with {} and 0 warnings:", plural(errors, "error")),
                         Tone::kBad),
         {{"errors", errors}}, Tone::kPlain, true);
    for (size_t i = 0; i < plan.models.size(); ++i) {
      const auto& r = o.results[i];
      if (r.status != ResultStatus::kError) continue;
      const auto& m = plan.models[i];
      line("failure", "", {}, Tone::kPlain, !reporter_.json());
      line("failure",
           reporter_.paint(fmt::format("  Failure in model {} ({})", m.name, m.original_file_path),
                           Tone::kBad),
           {{"unique_id", m.unique_id},
            {"path", m.original_file_path},
            {"message", r.message},
            {"code", r.code},
            {"hint", r.hint}},
           Tone::kPlain, true);
      size_t b = 0;
      while (!reporter_.json() && b < r.message.size()) {
        size_t e = r.message.find('\n', b);
        if (e == std::string::npos) e = r.message.size();
        std::string text = r.message.substr(b, e - b);
        // The first line carries the stable code, as every other dbtpy error does.
        if (b == 0 && !r.code.empty() && text.find("error[") == std::string::npos)
          text = "error[" + r.code + "]: " + text;
        line("failure_detail", "    " + text, {}, Tone::kPlain, true);
        b = e + 1;
      }
      if (!reporter_.json() && !r.hint.empty())
        line("failure_hint", "    = help: " + r.hint, {}, Tone::kPlain, true);
    }
  }
  const size_t unsettled = o.unsettled();
  if (unsettled) {
    line("unsettled", fmt::format("{} may still be running remotely:", plural(unsettled, "model")),
         {{"unsettled", unsettled}}, Tone::kWarn, true);
    for (size_t i = 0; i < plan.models.size(); ++i) {
      const auto& r = o.results[i];
      if (r.settled) continue;
      for (const auto& h : r.handles)
        line("unsettled_handle",
             fmt::format("  {}: {} {}{}", plan.models[i].name, h.kind, h.id,
                         h.url.empty() ? "" : " " + h.url),
             {{"unique_id", plan.models[i].unique_id}, {"kind", h.kind}, {"id", h.id}}, Tone::kWarn,
             true);
    }
  }
  line("", "", {}, Tone::kPlain, !reporter_.json());
  line("done",
       fmt::format("Done. PASS={} WARN=0 ERROR={} SKIP={} TOTAL={}", ok, errors, skipped, total),
       {{"pass", ok}, {"warn", 0}, {"error", errors}, {"skip", skipped}, {"total", total}},
       errors ? Tone::kBad : Tone::kGood, true);
}

}  // namespace dbtpy::cli
