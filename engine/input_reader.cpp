#include "engine/input_reader.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>

#include "data/codec/batch_builder.h"
#include "data/base/file_io.h"
#include "engine/block_pool.h"

namespace orderflow {

namespace {
constexpr std::size_t kBlockBytes = 1 << 20;   // input is read into blocks this large
constexpr std::size_t kReadBytesMin = 64 << 10; // a block with less room left is not read into
constexpr std::size_t kIdleBlocksMax = 32;       // blocks kept for reuse
constexpr std::size_t kBatchBytes = 1 << 20;  // a batch holds about this much record text
constexpr int kIdleFlushMs = 5;                // input idle this long: pass on a partial batch
}  // namespace

InputReader::InputReader(const std::vector<InputSource>& inputs, const PipelineOptions& options, Context intake,
                         std::atomic<std::uint64_t>* bytes_read)
    : inputs_(inputs), options_(options), intake_(std::move(intake)), bytes_read_(bytes_read) {}

bool InputReader::readable_within(int fd, int timeout_ms) {
  pollfd p = {fd, POLLIN, 0};
  return ::poll(&p, 1, timeout_ms) != 0;  // errors too: let read() report them
}

bool InputReader::wait_readable(int fd) {
  for (;;) {
    if (intake_.done()) return false;
    pollfd fds[2] = {{fd, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    int timeout_ms = -1;
    if (auto d = intake_.deadline()) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*d - Context::Clock::now()).count();
      timeout_ms = static_cast<int>(std::clamp<long long>(left + 1, 0, 60'000));
    }
    int rc = ::poll(fds, 2, timeout_ms);
    if (rc < 0 && errno != EINTR) return true;  // let read() report the problem
    if (rc > 0 && (fds[0].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL))) return !intake_.done();
  }
}

ReaderOutcome InputReader::run(const std::function<bool(Batch&)>& emit) {
  ReaderOutcome out;
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd_ < 0) {
    out.status = Status::IOError("cannot create an eventfd: " + errno_text(errno));
    return out;
  }
  // Cancelling intake wakes a poll() that waits for input.
  DoneRegistration wake = intake_.on_done([fd = wake_fd_] {
    std::uint64_t one = 1;
    [[maybe_unused]] ssize_t n = ::write(fd, &one, sizeof one);
  });

  BatchBuilder builder(options_.batch_records, kBatchBytes, options_.first_seq, emit);
  // Records are parsed in the blocks they were read into (no copy); a block is
  // filled by successive reads until little room is left.
  BlockPool blocks(kBlockBytes, kIdleBlocksMax);
  InputBlockRef block;
  std::size_t used = kBlockBytes;
  for (std::size_t f = 0; f < inputs_.size(); ++f) {
    builder.start_file(static_cast<std::uint32_t>(f));
    Framer framer(options_.format, options_.record_bytes_max, inputs_[f].name);
    if (f == 0) framer.skip_before_line(options_.first_line);
    bool at_eof = false;
    for (;;) {
      // Input that trickles in must not sit in a half-full batch: when the next
      // read would wait (a few milliseconds of grace keep batches large for
      // a fast producer), hand on what has been framed so far.
      if (builder.holding() && !readable_within(inputs_[f].fd, kIdleFlushMs)) {
        builder.flush();
        if (builder.stopped()) break;
      }
      if (!wait_readable(inputs_[f].fd)) break;
      if (kBlockBytes - used < kReadBytesMin) {
        block = blocks.get();
        used = 0;
        builder.use_block(block);
      }
      char* into = block->data.get() + used;
      ssize_t n = ::read(inputs_[f].fd, into, kBlockBytes - used);
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n < 0) {
        out.status = Status::IOError("cannot read " + inputs_[f].name + ": " + errno_text(errno));
        break;
      }
      if (bytes_read_) bytes_read_->fetch_add(static_cast<std::uint64_t>(n), std::memory_order_relaxed);
      Status s = n == 0 ? framer.finish(builder) : framer.feed(into, static_cast<std::size_t>(n), builder);
      used += static_cast<std::size_t>(n);
      if (!s.ok()) {
        out.status = s;
        break;
      }
      if (builder.stopped()) break;
      if (n == 0) {
        at_eof = true;
        break;
      }
    }
    if (!out.status.ok()) {
      builder.flush();  // the records before the failure still count
      break;
    }
    if (!at_eof) {
      // Intake ended inside this file: the first record not accepted is the
      // first one held back, or the next one the framer would have cut.
      out.stopped_early = true;
      if (builder.holding()) {
        out.resume = ResumePoint{inputs_[f].name, builder.first_held_line(), builder.first_held_seq()};
      } else {
        out.resume = ResumePoint{inputs_[f].name, framer.resume_line(), builder.next_seq()};
      }
      break;
    }
    builder.flush();
    if (builder.stopped()) {
      out.stopped_early = true;
      out.resume = ResumePoint{inputs_[f].name, builder.first_held_line(), builder.first_held_seq()};
      // The rest of this file was read but not accepted; nothing after it was.
      break;
    }
  }
  wake.reset();
  ::close(wake_fd_);
  wake_fd_ = -1;
  return out;
}

}  // namespace orderflow
