#include "data/model/order.h"

namespace orderflow {

std::string_view to_string(Op op) { return op == Op::kPlace ? "place" : "reverse"; }

std::string_view to_string(OrderStatus status) {
  switch (status) {
    case OrderStatus::kCompleted: return "Completed";
    case OrderStatus::kRejected: return "Rejected";
    case OrderStatus::kReversed: return "Reversed";
    case OrderStatus::kCancelled: return "Cancelled";
  }
  return "?";
}

std::string_view to_string(Reason reason) {
  switch (reason) {
    case Reason::kNone: return "";
    case Reason::kInvalidRecord: return "invalid_record";
    case Reason::kInvalidAmount: return "invalid_amount";
    case Reason::kUnknownProduct: return "unknown_product";
    case Reason::kInsufficientStock: return "insufficient_stock";
    case Reason::kDuplicateId: return "duplicate_id";
    case Reason::kUnknownOrder: return "unknown_order";
    case Reason::kNotReversible: return "not_reversible";
    case Reason::kDeadline: return "deadline";
    case Reason::kInterrupted: return "interrupted";
  }
  return "?";
}

std::string_view to_string(Field field) {
  switch (field) {
    case Field::kNone: return "";
    case Field::kId: return "id";
    case Field::kOp: return "op";
    case Field::kProductId: return "productId";
    case Field::kAmount: return "amount";
    case Field::kItems: return "items";
  }
  return "?";
}

}  // namespace orderflow
