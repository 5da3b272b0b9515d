#pragma once
// ChunkWriter: double-buffered output for a producer of big chunks
// (`orderflow generate`). The caller fills one chunk while a thread of the
// writer's own writes the previous one, so making the bytes and the kernel's
// copying of them overlap: on two cores a run takes about the longer of the
// two instead of their sum.
//
// Use from one producer thread:
//   ChunkWriter out(1, "standard output", "orders", 1 << 20);
//   ChunkWriter::Chunk c;
//   while (more && out.acquire(c)) { c.size = fill(c.data.get(), out.chunk_bytes()); if (!out.submit(std::move(c))) break; }
//   out.finish();  // then closed() / status()
//
// Chunks are written whole and in the order submitted. After the output is
// closed (EPIPE) or fails, acquire() and submit() return false at once and
// nothing more is written. Memory: `chunks` buffers of `chunk_bytes`, made up
// front. The destructor finishes (joins) if finish() was not called.
#include <atomic>
#include <cstddef>
#include <memory>
#include <string>
#include <thread>

#include "data/base/status.h"
#include "engine/channel.h"
#include "engine/output_writer.h"

namespace orderflow {

class ChunkWriter {
 public:
  struct Chunk {
    std::unique_ptr<char[]> data;  // chunk_bytes() of room
    std::size_t size = 0;          // bytes to write
  };

  // Writes to `fd` (not owned); `name` and `what` as in OutputWriter. Starts the thread.
  ChunkWriter(int fd, std::string name, std::string what, std::size_t chunk_bytes, std::size_t chunks = 2);
  ~ChunkWriter();
  ChunkWriter(const ChunkWriter&) = delete;
  ChunkWriter& operator=(const ChunkWriter&) = delete;

  std::size_t chunk_bytes() const { return chunk_bytes_; }
  // A free chunk (size 0) into `c`. Blocks while both are being written or
  // waiting to be. False once the output is closed or failed.
  bool acquire(Chunk& c);
  // Queues `c` to be written after those before it. Blocks while the queue is
  // full. False (c dropped) once the output is closed or failed.
  bool submit(Chunk&& c);
  // Writes what is queued, then stops the thread. Blocks. Idempotent.
  void finish();
  // After finish(): the reader went away (EPIPE) / the first write error.
  bool closed() const { return out_.closed(); }
  const Status& status() const { return out_.status(); }

 private:
  void write_loop();

  std::size_t chunk_bytes_;
  OutputWriter out_;           // used by the writing thread only, until finish() joins it
  Channel<Chunk> free_;        // empty buffers, back from the writer
  Channel<Chunk> full_;        // filled buffers, in order
  std::atomic<bool> stopped_{false};  // the output closed or failed
  std::thread thread_;
};

}  // namespace orderflow
