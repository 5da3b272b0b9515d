#include "engine/input_reader.h"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <string>
#include <cerrno>
#include <memory>

#include "data/codec/batch_builder.h"
#include "data/codec/decompressor.h"
#include "data/base/file_io.h"
#include "engine/block_pool.h"
#include "engine/wake_fd.h"

namespace orderflow {

namespace {
constexpr std::size_t kBlockBytes = 1 << 20;   // input is read into blocks this large
constexpr std::size_t kReadBytesMin = 64 << 10; // a block with less room left is not read into
constexpr std::size_t kIdleBlocksMax = 32;       // blocks kept for reuse
constexpr std::size_t kBatchBytes = 1 << 20;  // a batch holds about this much record text
constexpr int kIdleFlushMs = 5;                // input idle this long: pass on a partial batch
constexpr std::size_t kPackedBytes = 256 << 10;  // compressed input is read in pieces this large

// One input's bytes as the framer wants them: told gzip, zstd or plain by its
// first bytes (data/codec/decompressor.h), then read straight into the
// caller's block (plain) or read into a fixed buffer and decompressed into it.
// Memory is flat: this buffer and the decompressor's window, whatever the size.
class InputBytes {
 public:
  InputBytes(int fd, const std::string& name) : fd_(fd), name_(name) {}

  // True when bytes are waiting here (no need to wait for the descriptor).
  bool buffered() const {
    if (mode_ == Mode::kProbing) return false;
    return begin_ < end_ || (dec_ && dec_->has_pending_output());
  }

  // Puts up to `room` (> 0) bytes of the input into `into`. Returns how many,
  // 0 at the end of the input, or -1 with errno set (EINTR and EAGAIN: try
  // again once the descriptor is readable), or -2 with `error` set.
  // `raw_bytes` grows by the bytes read from the descriptor.
  ssize_t read(char* into, std::size_t room, Status& error, std::uint64_t& raw_bytes) {
    if (mode_ == Mode::kProbing) return probe(into, room, error, raw_bytes);
    if (mode_ == Mode::kPlain) {
      if (begin_ < end_) return take(into, room);
      ssize_t n = ::read(fd_, into, room);
      if (n > 0) raw_bytes += static_cast<std::uint64_t>(n);
      return n;
    }
    if (begin_ == end_ && !dec_->has_pending_output()) {
      if (at_end_) return 0;
      if (!fill(raw_bytes)) return -1;
      if (begin_ == end_) {  // the end of the compressed input
        at_end_ = true;
        if (Status s = dec_->finish(); !s.ok()) return fail(s, error);
        return 0;
      }
    }
    Result<Decompressor::Step> step = dec_->decompress(packed_.get() + begin_, end_ - begin_, into, room);
    if (!step.ok()) return fail(step.status(), error);
    begin_ += step->consumed;
    if (begin_ == end_) begin_ = end_ = 0;
    if (step->produced == 0) {
      errno = EAGAIN;  // a header, or a block not complete yet: read more
      return -1;
    }
    return static_cast<ssize_t>(step->produced);
  }

 private:
  enum class Mode { kProbing, kPlain, kCompressed };

  // Reads into the free end of packed_. False with errno set on a failed read.
  bool fill(std::uint64_t& raw_bytes) {
    if (!packed_) {
      packed_bytes_ = kPackedBytes;
      packed_ = std::make_unique<char[]>(packed_bytes_);
    }
    // REQUIRES (kept by the callers): room is left, so 0 bytes read means the end.
    ssize_t n = ::read(fd_, packed_.get() + end_, packed_bytes_ - end_);
    if (n < 0) return false;
    raw_bytes += static_cast<std::uint64_t>(n);
    end_ += static_cast<std::size_t>(n);
    return true;
  }

  ssize_t take(char* into, std::size_t room) {
    std::size_t n = std::min(room, end_ - begin_);
    std::memcpy(into, packed_.get() + begin_, n);
    begin_ += n;
    if (begin_ == end_) begin_ = end_ = 0;
    return static_cast<ssize_t>(n);
  }

  ssize_t fail(const Status& s, Status& error) {
    error = Status::IOError("cannot read " + name_ + ": " + s.message());
    return -2;
  }

  // The first bytes decide the mode (a pipe may deliver the magic piecemeal).
  // Plain input is read straight into the caller's block, as it always is.
  ssize_t probe(char* into, std::size_t room, Status& error, std::uint64_t& raw_bytes) {
    std::string_view head;
    bool eof = false;
    if (end_ == 0) {  // nothing held back yet: the first read
      ssize_t n = ::read(fd_, into, room);
      if (n < 0) return -1;
      raw_bytes += static_cast<std::uint64_t>(n);
      head = std::string_view(into, static_cast<std::size_t>(n));
      eof = n == 0;
    } else {  // a piece of a magic is held back in packed_
      std::size_t before = end_;
      if (!fill(raw_bytes)) return -1;
      head = std::string_view(packed_.get(), end_);
      eof = end_ == before;
    }
    bool need_more = false;
    Compression kind = sniff_compression(head, &need_more);
    const bool held = head.data() != into;
    if (need_more && !eof) {
      if (!held) hold(head);
      errno = EAGAIN;
      return -1;
    }
    if (kind == Compression::kNone) {
      mode_ = Mode::kPlain;
      return held ? (end_ == 0 ? 0 : take(into, room)) : static_cast<ssize_t>(head.size());
    }
    if (!held) hold(head);  // compressed bytes go through packed_ to the decompressor
    Result<Decompressor> dec = Decompressor::create(kind);
    if (!dec.ok()) return fail(dec.status(), error);
    dec_.emplace(std::move(dec).value());
    mode_ = Mode::kCompressed;
    return read(into, room, error, raw_bytes);
  }

  // Keeps `bytes` (read into the caller's block) in packed_ instead.
  void hold(std::string_view bytes) {
    if (!packed_ || packed_bytes_ < bytes.size()) {
      packed_bytes_ = std::max(kPackedBytes, bytes.size());
      packed_ = std::make_unique<char[]>(packed_bytes_);
    }
    std::memcpy(packed_.get(), bytes.data(), bytes.size());
    begin_ = 0;
    end_ = bytes.size();
  }

  int fd_;
  const std::string& name_;
  Mode mode_ = Mode::kProbing;
  std::unique_ptr<char[]> packed_;  // input read but not yet handed on
  std::size_t packed_bytes_ = 0;     // its capacity
  std::size_t begin_ = 0, end_ = 0;
  bool at_end_ = false;
  std::optional<Decompressor> dec_;
};

}  // namespace

InputReader::InputReader(const std::vector<InputSource>& inputs, const ReaderOptions& options, Context intake,
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
  const WakeFd wake_up;
  if (!wake_up.ok()) {
    out.status = Status::IOError("cannot create an eventfd: " + errno_text(wake_up.error()));
    return out;
  }
  wake_fd_ = wake_up.fd();
  // Cancelling intake wakes a poll() that waits for input.
  DoneRegistration wake = intake_.on_done([&wake_up] { wake_up.wake(); });

  BatchBuilder builder(options_.batch_records, kBatchBytes, options_.first_seq, emit);
  const PipelineLedger* ledger = options_.ledger;
  if (ledger) {
    builder.keep_checksums(true);
    if (ledger->skip_seq) builder.skip_through(ledger->skip_seq, ledger->skip_checksum);
  }
  bool read_all = false;
  // Records are parsed in the blocks they were read into (no copy); a block is
  // filled by successive reads until little room is left.
  BlockPool blocks(kBlockBytes, kIdleBlocksMax);
  InputBlockRef block;
  std::size_t used = kBlockBytes;
  for (std::size_t f = 0; f < inputs_.size(); ++f) {
    if (f < options_.resume_file) continue;  // done by the run being continued
    builder.start_file(static_cast<std::uint32_t>(f));
    Framer framer(options_.format, options_.record_bytes_max, inputs_[f].name);
    builder.use_framer(&framer);
    if (f == options_.resume_file && options_.resume_offset > 0)
      framer.skip_before_offset(options_.resume_offset, options_.resume_line);
    framer.set_csv_delimiter(options_.csv_delimiter);
    InputBytes input(inputs_[f].fd, inputs_[f].name);
    bool at_eof = false;
    for (;;) {
      // Input that trickles in must not sit in a half-full batch: when the next
      // read would wait (a few milliseconds of grace keep batches large for
      // a fast producer), hand on what has been framed so far.
      if (builder.holding() && !readable_within(inputs_[f].fd, kIdleFlushMs)) {
        builder.flush();
        if (builder.stopped()) break;
      }
      if (input.buffered() ? intake_.done() : !wait_readable(inputs_[f].fd)) break;
      if (kBlockBytes - used < kReadBytesMin) {
        block = blocks.get();
        used = 0;
        builder.use_block(block);
      }
      char* into = block->data.get() + used;
      std::uint64_t raw = 0;
      ssize_t n = input.read(into, kBlockBytes - used, out.status, raw);
      if (bytes_read_ && raw) bytes_read_->fetch_add(raw, std::memory_order_relaxed);
      if (n == -2) break;  // out.status says why
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n < 0) {
        out.status = Status::IOError("cannot read " + inputs_[f].name + ": " + errno_text(errno));
        break;
      }
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
    builder.use_framer(nullptr);  // the framer ends with this file
    if (!out.status.ok()) {
      builder.flush();  // the records before the failure still count
      break;
    }
    if (!at_eof) {
      // Intake ended inside this file: the first record not accepted is the
      // first one held back, or the next one the framer would have cut.
      out.stopped_early = true;
      if (builder.holding()) {
        out.resume = ResumePoint{inputs_[f].name, builder.first_held_line(), builder.first_held_seq(),
                                 builder.first_held_offset()};
      } else {
        out.resume = ResumePoint{inputs_[f].name, framer.resume_line(), builder.next_seq(), framer.resume_offset()};
      }
      break;
    }
    builder.flush();
    if (builder.stopped()) {
      out.stopped_early = true;
      out.resume = ResumePoint{inputs_[f].name, builder.first_held_line(), builder.first_held_seq(),
                               builder.first_held_offset()};
      // The rest of this file was read but not accepted; nothing after it was.
      break;
    }
    if (f + 1 == inputs_.size()) read_all = true;
  }
  // Continuing a ledger's run: the committed records must be the ones read again.
  if (ledger && ledger->skip_seq && out.status.ok()) {
    if (read_all) builder.finish_skip();
    if (builder.skip_mismatch()) {
      out.status = Status::InvalidArgument(ledger->skip_mismatch);
      out.stopped_early = false;
      out.resume.reset();
    }
  }
  wake.reset();  // before wake_up closes its descriptor
  wake_fd_ = -1;
  return out;
}

}  // namespace orderflow
