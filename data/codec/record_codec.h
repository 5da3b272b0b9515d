#pragma once
// RecordCodec: how the records of one input format are parsed (one file per
// codec, data/codec/<codec>_codec.cpp), and the one table of formats that
// the framer, the decoder and the command line choose from.
//
// A codec parses a record's own bytes (in place: it may rewrite them) into
// the Record's fields, or records why the record is invalid (Defect). It
// checks only what needs nothing but the record; the Decoder then settles
// what needs the catalog. Not thread-safe: one codec per Decoder (it keeps
// scratch space); codecs for different batches may run on different threads.
//
// To add a format: a file with its codec and make_<codec>_codec() (declared
// below), its RecordFormat/InputFormat value (data/model/record.h), and a row
// in kCodecs (data/codec/record_codec.cpp). A format that needs a new way of
// cutting bytes into records also adds a Framing (data/codec/framer.cpp).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "data/model/batch.h"

namespace orderflow {

class RecordCodec {
 public:
  virtual ~RecordCodec() = default;
  // Marks every record of `batch` from index `from` on as decoded, and parses
  // each one whose reason is still kNone. Called once per batch (the virtual
  // call is paid per batch, not per record). REQUIRES: from <= records.size().
  virtual void decode(Batch& batch, std::size_t from) = 0;
};

// The per-batch loop of a codec whose Derived has
//   void decode_record(Record& r, char* text, Batch& batch);
// (text: the record's r.length bytes, NUL-terminated, mutable; a codec may
// append to batch.items, the baskets' side table, and changes nothing else
// of the batch but r).
template <class Derived>
class RecordCodecLoop : public RecordCodec {
 public:
  void decode(Batch& batch, std::size_t from) final {
    for (std::size_t i = from; i < batch.records.size(); ++i) {
      Record& r = batch.records[i];
      r.parsed = true;
      if (r.reason == Reason::kNone) static_cast<Derived*>(this)->decode_record(r, batch.data(r), batch);
    }
  }
};

// How a format's bytes are cut into records (data/codec/framer.cpp).
enum class Framing : std::uint8_t {
  kLines,            // a record per line (LF or CRLF); blank lines are not records
  kLinesWithHeader,  // the same, after a header line that names the columns (CSV)
  kArrayElements,    // one top-level JSON array, a record per element
};

struct CodecInfo {
  RecordFormat format;
  InputFormat input;      // the --format value that asks for it
  std::string_view name;  // the --format name
  char first_byte;        // auto-detection: picked when the first non-blank byte is this;
                          // '\0': picked when no other row's byte matches
  Framing framing;
  char wire_tag;          // the one letter that names it in a partition's batch header
                          // (engine/partition_wire.cpp)
  std::unique_ptr<RecordCodec> (*make)();
};

// The codecs, one per file. NDJSON lines and JSON array elements are the same
// JSON object records: one codec, two rows that differ in framing.
std::unique_ptr<RecordCodec> make_json_codec();  // data/codec/json_codec.cpp
std::unique_ptr<RecordCodec> make_csv_codec();   // data/codec/csv_codec.cpp

// Every format, in --format order (the one table).
std::span<const CodecInfo> all_codecs();
const CodecInfo& codec_for(RecordFormat format);
// REQUIRES: input != InputFormat::kAuto.
const CodecInfo& codec_for(InputFormat input);
// The format a file whose first non-blank byte is `first` is read as.
const CodecInfo& detect_codec(char first);
// The format whose wire_tag is `tag`, or nullptr.
const CodecInfo* codec_for_wire_tag(char tag);

// --format's names: "auto" (InputFormat::kAuto: told by each file's first
// byte), then every row's name, in table order. parse gives nullopt for any
// other text.
inline constexpr std::string_view kAutoFormatName = "auto";
std::string_view to_string(InputFormat input);
std::optional<InputFormat> parse_input_format(std::string_view name);
std::vector<std::string> input_format_names();

}  // namespace orderflow
