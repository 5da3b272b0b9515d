// Status: the code says whose fault an error is (bad data vs orderflow itself).
#include "data/base/status.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace orderflow {
namespace {

TEST(Status, AnExceptionIsAnInternalErrorNamingWhereAndWhat) {
  const Status s = status_from_exception(std::make_exception_ptr(std::runtime_error("boom")), "decoder");
  EXPECT_EQ(s.code(), Status::Code::kInternal);
  EXPECT_EQ(s.message(), "decoder: boom");
  const Status t = status_from_exception(std::make_exception_ptr(42), "writer");
  EXPECT_EQ(t.code(), Status::Code::kInternal);
  EXPECT_EQ(t.message(), "writer");
}

TEST(Status, EachFactoryGivesItsCodeAndOnlyOkIsOk) {
  EXPECT_TRUE(Status::Ok().ok());
  EXPECT_EQ(Status::InvalidArgument("a").code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(Status::IOError("b").code(), Status::Code::kIOError);
  EXPECT_EQ(Status::Corruption("c").code(), Status::Code::kCorruption);
  EXPECT_EQ(Status::Internal("d").code(), Status::Code::kInternal);
  for (const Status& s : {Status::InvalidArgument("a"), Status::IOError("b"), Status::Corruption("c"), Status::Internal("d")})
    EXPECT_FALSE(s.ok());
}

}  // namespace
}  // namespace orderflow
