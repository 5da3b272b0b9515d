#pragma once
// How payloads travel on NATS: compressed with zstd (level 1) when that is
// worth it, as they are published; decompressed as they are read
// (net/nats_client.cpp does both, so every stream and every reader gets it).
// Result lines and framed records shrink several times over, and every byte
// saved is a byte the cluster does not replicate three times, checksum,
// store and deliver.
//
// A packed payload is one zstd frame (it begins with the frame's magic
// number, 28 b5 2f fd); orderflow's own payloads begin with "OF", so a
// payload published uncompressed (small, or by an earlier orderflow) reads
// as it is. Thread-compatible (plain functions).
#include <cstddef>
#include <string>
#include <string_view>

#include "data/base/status.h"

namespace orderflow {

// Payloads shorter than this go as they are.
inline constexpr std::size_t kPackMinBytes = 512;
// A packed payload never unpacks to more than this (a corrupt or hostile
// frame is refused, not allocated).
inline constexpr std::size_t kUnpackMaxBytes = 256u << 20;

// `data` compressed into `out` when that is shorter; returns what to send
// (`out`, or `data` itself).
std::string_view pack_payload(std::string_view data, std::string& out);

// `data` as published: unpacked in place when it is a packed payload.
Status unpack_payload(std::string& data);

}  // namespace orderflow
