#include "engine/chunk_writer.h"

namespace orderflow {

ChunkWriter::ChunkWriter(int fd, std::string name, std::string what, std::size_t chunk_bytes, std::size_t chunks)
    : chunk_bytes_(chunk_bytes),
      out_(fd, std::move(name), std::move(what)),
      free_(chunks == 0 ? 1 : chunks),
      full_(chunks == 0 ? 1 : chunks) {
  for (std::size_t i = 0; i < (chunks == 0 ? 1 : chunks); ++i)
    (void)free_.send(Chunk{std::unique_ptr<char[]>(new char[chunk_bytes]), 0});
  thread_ = std::thread([this] { write_loop(); });
}

ChunkWriter::~ChunkWriter() { finish(); }

void ChunkWriter::write_loop() {
  Chunk c;
  while (full_.recv(c) == ChannelStatus::kOk) {
    if (!out_.write(c.data.get(), c.size)) {
      // Closed or failed: refuse the producer from now on (the closes wake it
      // if it is blocked in acquire() or submit()).
      stopped_.store(true, std::memory_order_release);
      free_.close();
      full_.close();
      return;
    }
    c.size = 0;
    (void)free_.send(std::move(c));
  }
}

bool ChunkWriter::acquire(Chunk& c) {
  if (stopped_.load(std::memory_order_acquire)) return false;  // free_ may still hold buffers
  return free_.recv(c) == ChannelStatus::kOk;
}

bool ChunkWriter::submit(Chunk&& c) { return full_.send(std::move(c)) == ChannelStatus::kOk; }

void ChunkWriter::finish() {
  full_.close();  // the writer drains what is queued, then sees "closed"
  if (thread_.joinable()) thread_.join();
}

}  // namespace orderflow
