#include "cli/safe_outputs.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <optional>
#include <thread>

#include "data/base/file_io.h"

namespace orderflow {

namespace {

constexpr auto kRetry = std::chrono::milliseconds(10);  // FIFO / lock wait: how often to look again

// A file's identity: device and inode of what exists, or of the folder and
// the name of what does not exist yet.
struct FileId {
  dev_t dev = 0;
  ino_t ino = 0;
  std::string name;  // only for a file that does not exist yet
  bool device = false;  // a character or block device: may be named twice
  bool operator==(const FileId& o) const { return dev == o.dev && ino == o.ino && name == o.name; }
};

std::string folder_of(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string base_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::optional<FileId> id_of_fd(int fd) {
  struct stat st;
  if (::fstat(fd, &st) != 0) return std::nullopt;
  return FileId{st.st_dev, st.st_ino, "", S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)};
}

std::optional<FileId> id_of_path(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) return FileId{st.st_dev, st.st_ino, "", S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)};
  return std::nullopt;
}

// Checks one output; fills its identity.
Status check_one(const OutputChoice& out, bool atomic, FileId* id) {
  const std::string where = out.flag + " " + out.path + ": ";
  if (out.path == "-") {
    if (auto i = id_of_fd(1)) *id = *i;
    return Status::Ok();
  }
  const std::string target = follow_symlinks(out.path);
  struct stat st;
  if (::stat(target.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return Status::InvalidArgument(where + "is a folder");
    if (::access(target.c_str(), W_OK) != 0) return Status::InvalidArgument(where + "cannot be written: " + errno_text(errno));
    *id = FileId{st.st_dev, st.st_ino, "", S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)};
    // Replaced by a rename: the folder must take a new file too.
    if (atomic && S_ISREG(st.st_mode) && ::access(folder_of(target).c_str(), W_OK | X_OK) != 0)
      return Status::InvalidArgument(where + "its folder cannot be written: " + errno_text(errno));
    return Status::Ok();
  }
  if (errno != ENOENT) return Status::InvalidArgument(where + errno_text(errno));
  const std::string dir = folder_of(target);
  struct stat dst;
  if (::stat(dir.c_str(), &dst) != 0) return Status::InvalidArgument(where + "no folder " + dir + ": " + errno_text(errno));
  if (!S_ISDIR(dst.st_mode)) return Status::InvalidArgument(where + dir + " is not a folder");
  if (::access(dir.c_str(), W_OK | X_OK) != 0)
    return Status::InvalidArgument(where + "folder " + dir + " cannot be written: " + errno_text(errno));
  *id = FileId{dst.st_dev, dst.st_ino, base_of(target), false};
  return Status::Ok();
}

}  // namespace

Status check_outputs(const std::vector<std::string>& inputs, const std::string& catalog,
                     const std::vector<OutputChoice>& outputs) {
  struct Named {
    std::string what;
    FileId id;
  };
  std::vector<Named> ins;
  for (const std::string& in : inputs) {
    auto id = in == "-" ? id_of_fd(0) : id_of_path(in);
    if (id && !id->device) ins.push_back({"input " + (in == "-" ? std::string("standard input") : in), *id});
  }
  std::optional<FileId> cat = catalog.empty() ? std::nullopt : id_of_path(catalog);
  std::vector<Named> outs;
  for (const OutputChoice& out : outputs) {
    if (out.path.empty() || out.path == "none") continue;
    FileId id;
    if (Status s = check_one(out, out.flag != "-o", &id); !s.ok()) return s;
    const std::string name = out.flag + " " + out.path;
    for (const Named& in : ins)
      if (in.id == id) return Status::InvalidArgument(name + " is the same file as the " + in.what);
    if (cat && *cat == id && out.flag != "--stock-out" && !cat->device)
      return Status::InvalidArgument(name + " is the same file as the catalog " + catalog);
    if (out.path != "-" && !id.device) {
      for (const Named& o : outs)
        if (o.id == id) return Status::InvalidArgument(name + " is the same file as " + o.what);
    }
    if (out.path != "-") outs.push_back({name, id});
  }
  return Status::Ok();
}

WaitEnd open_output(const std::string& path, bool truncate, const Context& until, int* fd, Status* error) {
  const int flags = O_WRONLY | O_CLOEXEC | O_NONBLOCK;
  for (;;) {
    struct stat st;
    const bool fifo = ::stat(path.c_str(), &st) == 0 && S_ISFIFO(st.st_mode);
    int f = fifo ? ::open(path.c_str(), flags) : ::open(path.c_str(), flags | O_CREAT | (truncate ? O_TRUNC : 0), 0666);
    if (f >= 0) {
      // Regular files and devices are written blocking; a FIFO stays
      // non-blocking so that a stalled reader can be given up.
      if (!fifo) ::fcntl(f, F_SETFL, ::fcntl(f, F_GETFL) & ~O_NONBLOCK);
      *fd = f;
      return WaitEnd::kReady;
    }
    if (!(fifo && errno == ENXIO) && errno != EINTR) {
      *error = Status::IOError("cannot open " + path + ": " + errno_text(errno));
      return WaitEnd::kFailed;
    }
    // A FIFO with no reader yet: look again soon, unless the run stopped.
    if (until.wait_for(kRetry)) return WaitEnd::kStopped;
  }
}

StockLock::~StockLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the lock
}

WaitEnd StockLock::acquire(const std::string& path, bool no_wait, const Context& until, Status* error) {
  const std::string target = follow_symlinks(path);
  for (;;) {
    int fd = ::open(target.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return WaitEnd::kReady;  // nothing there yet: no stock to lose
    struct stat st;
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      ::close(fd);
      return WaitEnd::kReady;  // a device or FIFO: written in place, nothing to replace
    }
    for (;;) {
      if (::flock(fd, LOCK_EX | LOCK_NB) == 0) break;
      if (errno != EWOULDBLOCK && errno != EINTR) {
        *error = Status::IOError("cannot lock " + path + ": " + errno_text(errno));
        ::close(fd);
        return WaitEnd::kFailed;
      }
      if (no_wait) {
        *error = Status::IOError(path + " is locked by another orderflow run writing it (--stock-out); "
                                 "without --no-wait this run would wait for it");
        ::close(fd);
        return WaitEnd::kFailed;
      }
      if (until.wait_for(kRetry)) {
        ::close(fd);
        return WaitEnd::kStopped;
      }
    }
    // The run that held it may have renamed a new file into place: lock that one.
    struct stat now;
    if (::stat(target.c_str(), &now) == 0 && now.st_dev == st.st_dev && now.st_ino == st.st_ino) {
      fd_ = fd;
      return WaitEnd::kReady;
    }
    ::close(fd);
  }
}

NonBlockingFd::NonBlockingFd(int fd) {
  struct stat st;
  if (fd < 0 || ::fstat(fd, &st) != 0 || !(S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))) return;
  old_flags_ = ::fcntl(fd, F_GETFL);
  if (old_flags_ < 0 || (old_flags_ & O_NONBLOCK)) return;
  if (::fcntl(fd, F_SETFL, old_flags_ | O_NONBLOCK) == 0) fd_ = fd;
}

NonBlockingFd::~NonBlockingFd() {
  if (fd_ >= 0) ::fcntl(fd_, F_SETFL, old_flags_);
}

}  // namespace orderflow
