#include "engine/stages/decode_stage.h"

#include "data/codec/decoder.h"

namespace orderflow {

void DecodeStage::run() {
  Decoder decoder(catalog_);
  JobPtr job;
  while (in_.recv(job) == ChannelStatus::kOk) {
    if (!control_.run().done()) decoder.decode(job->batch);  // after a hard stop, records are only cancelled
    if (out_.send(std::move(job)) != ChannelStatus::kOk) break;
  }
  if (left_.fetch_sub(1) == 1) out_.close();
}

}  // namespace orderflow
