#include "data/base/file_io.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <vector>

namespace orderflow {

namespace {

// A full non-blocking descriptor (EAGAIN): wait until it takes bytes again,
// as a blocking write would (an error or hang-up is left for write to report).
bool wait_writable(int fd) {
  pollfd p = {fd, POLLOUT, 0};
  while (::poll(&p, 1, -1) < 0 && errno == EINTR) {
  }
  return true;
}

}  // namespace

std::string errno_text(int err) {
  char buf[256];
  // GNU strerror_r returns the message pointer (which may not be buf).
  const char* msg = strerror_r(err, buf, sizeof buf);
  return msg;
}

int write_all(int fd, const char* data, std::size_t size, const WhenFull& when_full) {
  const std::string_view part(data, size);
  return write_all(fd, std::span<const std::string_view>(&part, 1), when_full);
}

int write_all(int fd, std::span<const std::string_view> parts, const WhenFull& when_full, std::uint64_t* written) {
  constexpr std::size_t kIovMax = 512;  // well under IOV_MAX (1024 on Linux)
  std::vector<iovec> iov;
  iov.reserve(std::min(parts.size(), kIovMax));
  std::size_t next = 0;  // first part not yet in `iov`
  while (next < parts.size() || !iov.empty()) {
    while (next < parts.size() && iov.size() < kIovMax) {
      if (!parts[next].empty()) iov.push_back({const_cast<char*>(parts[next].data()), parts[next].size()});
      ++next;
    }
    if (iov.empty()) break;
    ssize_t w = ::writev(fd, iov.data(), static_cast<int>(iov.size()));
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        if (when_full ? when_full() : wait_writable(fd)) continue;
        errno = EAGAIN;
      }
      return errno;
    }
    if (written) *written += static_cast<std::uint64_t>(w);
    // Drop what was written; a partly written part stays, shortened.
    auto done = static_cast<std::size_t>(w);
    std::size_t k = 0;
    while (k < iov.size() && done >= iov[k].iov_len) done -= iov[k++].iov_len;
    if (k < iov.size()) {
      iov[k].iov_base = static_cast<char*>(iov[k].iov_base) + done;
      iov[k].iov_len -= done;
    }
    iov.erase(iov.begin(), iov.begin() + static_cast<std::ptrdiff_t>(k));
  }
  return 0;
}

Result<std::string> read_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::IOError("cannot open " + path + ": " + errno_text(errno));
  struct stat st {};
  const bool known = ::fstat(fd, &st) == 0;
  if (known && S_ISDIR(st.st_mode)) {
    ::close(fd);
    return Status::IOError("cannot read " + path + ": " + errno_text(EISDIR));
  }
  std::string out;
  if (known && S_ISREG(st.st_mode) && st.st_size > 0) out.reserve(static_cast<std::size_t>(st.st_size));
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return Status::IOError("cannot read " + path + ": " + errno_text(err));
    }
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

namespace {

// For a target that is not a regular file (/dev/stdout, /dev/null, a FIFO):
// renaming over it would replace the device or pipe, so write into it.
// Never waits in open() for a FIFO's reader: one that has none is an error.
Status write_in_place(const std::string& path, const std::string& bytes) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0 && errno == ENXIO) return Status::IOError("cannot write " + path + ": a FIFO without a reader");
  if (fd < 0) return Status::IOError("cannot write " + path + ": " + errno_text(errno));
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  int err = write_all(fd, bytes.data(), bytes.size());
  if (::close(fd) != 0 && err == 0) err = errno;
  if (err != 0) return Status::IOError("cannot write " + path + ": " + errno_text(err));
  return Status::Ok();
}

}  // namespace

std::string follow_symlinks(const std::string& path) {
  std::string at = path;
  for (int hops = 0; hops < 40; ++hops) {
    // A link to a device or pipe (/dev/stdout -> /proc/self/fd/1 -> "pipe:[N]")
    // is opened through the link: its last hop is not a path.
    struct stat st;
    if (::stat(at.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) return at;
    char buf[4096];
    ssize_t n = ::readlink(at.c_str(), buf, sizeof buf);
    if (n < 0 || static_cast<std::size_t>(n) >= sizeof buf) return at;  // not a link (or not there)
    std::string to(buf, static_cast<std::size_t>(n));
    if (to.empty() || to[0] == '/') {
      at = to;
    } else {
      auto slash = at.rfind('/');
      at = slash == std::string::npos ? to : at.substr(0, slash + 1) + to;
    }
  }
  return at;
}

AtomicFile::~AtomicFile() {
  if (!tmp_.empty()) ::unlink(tmp_.c_str());
}

Status AtomicFile::prepare(const std::string& path, const std::string& bytes) {
  path_ = path;
  target_ = follow_symlinks(path);
  struct stat target;
  if (::stat(target_.c_str(), &target) == 0 && !S_ISREG(target.st_mode)) {
    in_place_ = true;
    bytes_ = bytes;
    return Status::Ok();
  }
  std::string dir = ".";
  std::string base = target_;
  if (auto slash = target_.rfind('/'); slash != std::string::npos) {
    dir = slash == 0 ? "/" : target_.substr(0, slash);
    base = target_.substr(slash + 1);
  }
  // O_EXCL with mode 0666 lets the kernel apply the umask (mkstemp would give 0600).
  std::string tmpl;
  int fd = -1;
  static std::atomic<unsigned> counter{0};
  for (int attempt = 0; fd < 0 && attempt < 100; ++attempt) {
    tmpl = dir + "/." + base + ".tmp." + std::to_string(::getpid()) + "." +
           std::to_string(counter.fetch_add(1));
    fd = ::open(tmpl.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0 && errno != EEXIST) break;
  }
  if (fd < 0) return Status::IOError("cannot write " + path + ": " + errno_text(errno));
  tmp_ = tmpl;
  auto fail = [&](int err) {
    ::close(fd);
    ::unlink(tmp_.c_str());
    tmp_.clear();
    return Status::IOError("cannot write " + path + ": " + errno_text(err));
  };
  // Keep the old file's permissions when replacing it.
  struct stat st;
  if (::stat(target_.c_str(), &st) == 0 && ::fchmod(fd, st.st_mode & 07777) != 0) return fail(errno);
  if (int err = write_all(fd, bytes.data(), bytes.size()); err != 0) return fail(err);
  if (::fsync(fd) != 0) return fail(errno);
  if (::close(fd) != 0) {
    int err = errno;
    ::unlink(tmp_.c_str());
    tmp_.clear();
    return Status::IOError("cannot write " + path + ": " + errno_text(err));
  }
  return Status::Ok();
}

Status AtomicFile::commit() {
  if (in_place_) return write_in_place(target_, bytes_);
  if (::rename(tmp_.c_str(), target_.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp_.c_str());
    tmp_.clear();
    return Status::IOError("cannot write " + path_ + ": " + errno_text(err));
  }
  tmp_.clear();
  return Status::Ok();
}

Status write_file_atomically(const std::string& path, const std::string& bytes) {
  AtomicFile f;
  if (Status s = f.prepare(path, bytes); !s.ok()) return s;
  return f.commit();
}

}  // namespace orderflow
