#include "data/model/order.h"

namespace orderflow {

std::string_view to_string(Op op) { return enum_name(kOps, op); }
std::string_view to_string(OrderStatus status) { return enum_name(kOrderStatuses, status); }
std::string_view to_string(Reason reason) { return enum_name(kReasons, reason); }
std::string_view to_string(Field field) { return enum_name(kFields, field); }

std::optional<Op> parse_op(std::string_view name) { return enum_value(kOps, name); }
std::optional<OrderStatus> parse_order_status(std::string_view name) { return enum_value(kOrderStatuses, name); }
std::optional<Reason> parse_reason(std::string_view name) { return enum_value(kReasons, name); }
std::optional<Field> parse_field(std::string_view name) { return enum_value(kFields, name); }

}  // namespace orderflow
