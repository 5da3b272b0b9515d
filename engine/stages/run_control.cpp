#include "engine/stages/run_control.h"

namespace orderflow {

void RunControl::begin(const Context& run, const Context& intake) {
  auto [r, cancel_r] = with_cancel(run);
  auto [i, cancel_i] = with_cancel(intake);
  run_ = r;
  cancel_run_ = cancel_r;
  intake_ = i;
  cancel_intake_ = cancel_i;
  // intake is not run's child: a failure here (which ends run) must close it too.
  run_closes_intake_ = run_.on_done([cancel_i = cancel_i] { cancel_i(); });
}

void RunControl::end() {
  run_closes_intake_.reset();
  cancel_intake_();
  cancel_run_();
}

void RunControl::stop(Status s) {
  {
    MutexLock lock(mu_);
    if (failure_.ok()) failure_ = std::move(s);
  }
  cancel_run_();
}

void RunControl::fail(Status s) {
  {
    MutexLock lock(mu_);
    if (failure_.ok()) failure_ = std::move(s);
  }
  failed_.store(true, std::memory_order_release);
  cancel_run_();
  for (const auto& close : closers_) close();
}

Status RunControl::failure() const {
  MutexLock lock(mu_);
  return failure_;
}

}  // namespace orderflow
