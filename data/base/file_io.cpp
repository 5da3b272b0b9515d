#include "data/base/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

namespace orderflow {

std::string errno_text(int err) {
  char buf[256];
  // GNU strerror_r returns the message pointer (which may not be buf).
  const char* msg = strerror_r(err, buf, sizeof buf);
  return msg;
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

// Writes all of `bytes` to `fd`; 0 or the errno of the failure.
int write_fully(int fd, const std::string& bytes) {
  const char* p = bytes.data();
  std::size_t left = bytes.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  return 0;
}

// For a target that is not a regular file (/dev/stdout, /dev/null, a FIFO):
// renaming over it would replace the device or pipe, so write into it.
Status write_in_place(const std::string& path, const std::string& bytes) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return Status::IOError("cannot write " + path + ": " + errno_text(errno));
  int err = write_fully(fd, bytes);
  if (::close(fd) != 0 && err == 0) err = errno;
  if (err != 0) return Status::IOError("cannot write " + path + ": " + errno_text(err));
  return Status::Ok();
}

}  // namespace

Status write_file_atomically(const std::string& path, const std::string& bytes) {
  struct stat target;
  if (::stat(path.c_str(), &target) == 0 && !S_ISREG(target.st_mode)) return write_in_place(path, bytes);
  std::string dir = ".";
  std::string base = path;
  if (auto slash = path.rfind('/'); slash != std::string::npos) {
    dir = slash == 0 ? "/" : path.substr(0, slash);
    base = path.substr(slash + 1);
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
  auto fail = [&](int err) {
    ::close(fd);
    ::unlink(tmpl.c_str());
    return Status::IOError("cannot write " + path + ": " + errno_text(err));
  };
  // Keep the old file's permissions when replacing it.
  struct stat st;
  if (::stat(path.c_str(), &st) == 0 && ::fchmod(fd, st.st_mode & 07777) != 0) return fail(errno);
  if (int err = write_fully(fd, bytes); err != 0) return fail(err);
  if (::fsync(fd) != 0) return fail(errno);
  if (::close(fd) != 0) {
    int err = errno;
    ::unlink(tmpl.c_str());
    return Status::IOError("cannot write " + path + ": " + errno_text(err));
  }
  if (::rename(tmpl.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmpl.c_str());
    return Status::IOError("cannot write " + path + ": " + errno_text(err));
  }
  return Status::Ok();
}

}  // namespace orderflow
