#include "data/model/summary.h"

namespace orderflow {

std::string_view to_string(StopCause cause) {
  switch (cause) {
    case StopCause::kNone: return "";
    case StopCause::kInterrupted: return "interrupted";
    case StopCause::kTerminated: return "terminated";
    case StopCause::kDeadline: return "deadline";
    case StopCause::kFailed: return "failed";
    case StopCause::kOutputClosed: return "output_closed";
  }
  return "";
}

}  // namespace orderflow
