#include "data/model/summary.h"

namespace orderflow {

std::string_view to_string(StopCause cause) { return enum_name(kStopCauses, cause, ""); }

std::optional<StopCause> parse_stop_cause(std::string_view name) { return enum_value(kStopCauses, name); }

}  // namespace orderflow
