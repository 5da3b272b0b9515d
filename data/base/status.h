#pragma once
// Errors as values (leveldb's Status): data/ and engine/ return them, cli/ prints them.
//
// A Status is either ok() or carries a code and a one-line message that already
// names where the problem is ("FILE:LINE: reason"). Cheap on the success path: an
// ok Status holds an empty string. Thread-compatible (a value type).
#include <exception>
#include <optional>
#include <string>
#include <utility>

namespace orderflow {

class Status {
 public:
  // kCorruption: bad data (an input, a catalog, a ledger, a message) that
  // names where it is. kInternal: orderflow itself went wrong (an exception, a
  // thread that could not start, a broken invariant): a bug or the machine.
  enum class Code : unsigned char { kOk, kInvalidArgument, kIOError, kCorruption, kInternal };

  Status() = default;
  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string msg) { return Status(Code::kInvalidArgument, std::move(msg)); }
  static Status IOError(std::string msg) { return Status(Code::kIOError, std::move(msg)); }
  static Status Corruption(std::string msg) { return Status(Code::kCorruption, std::move(msg)); }
  static Status Internal(std::string msg) { return Status(Code::kInternal, std::move(msg)); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  Status(Code code, std::string msg) : code_(code), message_(std::move(msg)) {}
  Code code_ = Code::kOk;
  std::string message_;
};

// The Status for an exception caught where it must not escape (a stage's or a
// worker's thread): "<what>: <e.what()>", or just "<what>" for an exception
// that is not a std::exception. REQUIRES: `e` is not null.
inline Status status_from_exception(std::exception_ptr e, const std::string& what) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    return Status::Internal(what + ": " + x.what());
  } catch (...) {
    return Status::Internal(what);
  }
}

// A value or the Status that explains why there is none.
template <class T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}            // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {}    // NOLINT: implicit by design

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace orderflow
