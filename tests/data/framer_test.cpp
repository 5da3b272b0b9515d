// Framer: cutting a file's bytes into records (NDJSON/CSV lines, JSON array
// elements), with line numbers, a byte-order mark, blank lines, CRLF, over-long
// records, framing damage, and CSV headers. Every input is also fed in pieces
// of every size (byte by byte included) and must give exactly the same events.
#include "data/codec/framer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

namespace orderflow {
namespace {

std::string defect_name(Defect d) {
  switch (d) {
    case Defect::kTooLong: return "too_long";
    case Defect::kEmptyElement: return "empty_element";
    case Defect::kArrayUnterminated: return "unterminated";
    case Defect::kNotArray: return "not_array";
    case Defect::kTrailingContent: return "trailing";
    default: return "defect" + std::to_string(static_cast<int>(d));
  }
}

// Writes down everything the framer hands over, as text.
class Recorder final : public RecordSink {
 public:
  std::vector<std::string> events;
  void begin_file(RecordFormat format, const CsvLayout& csv) override {
    std::string e = format == RecordFormat::kNdjson ? "begin ndjson" : format == RecordFormat::kJsonArray ? "begin json" : "begin csv";
    if (format == RecordFormat::kCsv)
      e += " id=" + std::to_string(csv.id) + " op=" + std::to_string(csv.op) + " product=" + std::to_string(csv.product) +
           " amount=" + std::to_string(csv.amount) + " columns=" + std::to_string(csv.columns);
    events.push_back(e);
  }
  void record(std::uint64_t line, const char* bytes, std::size_t n) override {
    events.push_back(std::to_string(line) + ": " + std::string(bytes, n));
  }
  void invalid(std::uint64_t line, Defect defect, std::uint64_t arg) override {
    std::string e = std::to_string(line) + "! " + defect_name(defect);
    if (arg) e.append(" ").append(std::to_string(arg));
    events.push_back(e);
  }
};

using Events = std::vector<std::string>;

// Feeds `input` in pieces of `chunk` bytes (0: all at once); a fatal status
// becomes a final "error: ..." event.
Events frame_chunked(const std::string& input, InputFormat format, std::size_t max, std::size_t chunk) {
  Framer framer(format, max, "in");
  Recorder rec;
  std::size_t step = chunk == 0 ? std::max<std::size_t>(input.size(), 1) : chunk;
  for (std::size_t i = 0; i < input.size(); i += step) {
    // Copy each piece so that a framer reading past it would be caught by sanitizers.
    std::string piece = input.substr(i, step);
    Status s = framer.feed(piece.data(), piece.size(), rec);
    if (!s.ok()) {
      rec.events.push_back("error: " + s.message());
      return rec.events;
    }
  }
  Status s = framer.finish(rec);
  if (!s.ok()) rec.events.push_back("error: " + s.message());
  return rec.events;
}

// The events of one big feed, after checking that every other way of cutting
// the input into pieces gives the same.
Events frame(const std::string& input, InputFormat format = InputFormat::kAuto,
             std::size_t max = kRecordBytesMaxDefault) {
  Events whole = frame_chunked(input, format, max, 0);
  for (std::size_t chunk : {1, 2, 3, 5, 7, 16}) {
    EXPECT_EQ(frame_chunked(input, format, max, chunk), whole) << "chunk size " << chunk << " of: " << input;
  }
  return whole;
}

TEST(FramerNdjson, LinesBlankLinesAndLineNumbers) {
  EXPECT_EQ(frame("{\"a\":1}\n\n  \t\n{\"b\":2}\n{\"c\":3}"),
            (Events{"begin ndjson", "1: {\"a\":1}", "4: {\"b\":2}", "5: {\"c\":3}"}));
  EXPECT_EQ(frame("\n\r\n   \n{\"a\":1}\n"), (Events{"begin ndjson", "4: {\"a\":1}"}));
  EXPECT_EQ(frame("{\"a\":1}\n\n\n"), (Events{"begin ndjson", "1: {\"a\":1}"}));
  // Leading and trailing spaces of a record are kept; only blank lines vanish.
  EXPECT_EQ(frame("{\"a\":1}\n  {\"b\":2}  \n"), (Events{"begin ndjson", "1: {\"a\":1}", "2:   {\"b\":2}  "}));
}

TEST(FramerNdjson, EmptyAndBlankInputsHaveNoRecords) {
  EXPECT_EQ(frame(""), Events{});
  EXPECT_EQ(frame("\n\n \r\n"), Events{});
  EXPECT_EQ(frame("\xEF\xBB\xBF"), Events{});
  EXPECT_EQ(frame("\xEF\xBB\xBF\n\n"), Events{});
}

TEST(FramerNdjson, CrlfIsOneLineEnd) {
  EXPECT_EQ(frame("{\"a\":1}\r\n\r\n{\"b\":2}\r\n"), (Events{"begin ndjson", "1: {\"a\":1}", "3: {\"b\":2}"}));
  EXPECT_EQ(frame("{\"a\":1}\r"), (Events{"begin ndjson", "1: {\"a\":1}"}));
  // A CR inside a line is content.
  EXPECT_EQ(frame("{\"a\":\r1}\n"), (Events{"begin ndjson", "1: {\"a\":\r1}"}));
}

TEST(FramerNdjson, ByteOrderMark) {
  EXPECT_EQ(frame("\xEF\xBB\xBF{\"a\":1}\n{\"b\":2}\n"), (Events{"begin ndjson", "1: {\"a\":1}", "2: {\"b\":2}"}));
  EXPECT_EQ(frame("\xEF\xBB\xBF\r\n\n{\"a\":1}\n"), (Events{"begin ndjson", "3: {\"a\":1}"}));
  // Only at the very start: later, the same bytes are content.
  EXPECT_EQ(frame("{\"a\":1}\n\xEF\xBB\xBF{\"b\":2}\n"),
            (Events{"begin ndjson", "1: {\"a\":1}", "2: \xEF\xBB\xBF{\"b\":2}"}));
  // A broken mark is content, handed over as the start of the first line.
  EXPECT_EQ(frame("\xEF\xBB{\"a\":1}\n", InputFormat::kNdjson), (Events{"begin ndjson", "1: \xEF\xBB{\"a\":1}"}));
  EXPECT_EQ(frame("\xEF\xBB", InputFormat::kNdjson), (Events{"begin ndjson", "1: \xEF\xBB"}));
  EXPECT_EQ(frame("\xEF", InputFormat::kNdjson), (Events{"begin ndjson", "1: \xEF"}));
}

TEST(FramerNdjson, OverLongRecordsAreSkippedAndCounted) {
  // max 10: ten bytes pass (a CR does not count), eleven do not.
  EXPECT_EQ(frame("0123456789\n0123456789\r\n01234567890\n{\"a\":1}\n", InputFormat::kNdjson, 10),
            (Events{"begin ndjson", "1: 0123456789", "2: 0123456789", "3! too_long 10", "4: {\"a\":1}"}));
  // The rest of an over-long line is skipped, whatever it holds.
  EXPECT_EQ(frame("{\"a\":1}\n" + std::string(100, 'x') + "\n" + std::string(25, 'y') + "\n\n{}\n", InputFormat::kNdjson, 10),
            (Events{"begin ndjson", "1: {\"a\":1}", "2! too_long 10", "3! too_long 10", "5: {}"}));
  // At the end of the input, without a line end.
  EXPECT_EQ(frame("{}\n" + std::string(50, 'z'), InputFormat::kNdjson, 10),
            (Events{"begin ndjson", "1: {}", "2! too_long 10"}));
}

TEST(FramerAuto, TheFirstNonBlankByteDecides) {
  EXPECT_EQ(frame(" \n{}")[0], "begin ndjson");
  EXPECT_EQ(frame("\n [1]")[0], "begin json");
  EXPECT_EQ(frame("productId,amount\n")[0], "begin csv id=-1 op=-1 product=0 amount=1 columns=2");
  // Forced formats override the first byte.
  EXPECT_EQ(frame("[1]\n", InputFormat::kNdjson), (Events{"begin ndjson", "1: [1]"}));
  EXPECT_EQ(frame("{\"a\":1}\n", InputFormat::kJsonArray), (Events{"begin json", "1! not_array"}));
  EXPECT_EQ(frame("\n\n{\"a\":1}\n[1]\n", InputFormat::kJsonArray), (Events{"begin json", "3! not_array"}));
  EXPECT_EQ(frame("{\"a\":1}\n", InputFormat::kCsv), (Events{"error: in:1: malformed CSV header"}));
  EXPECT_EQ(frame("{a:1}\n", InputFormat::kCsv),
            (Events{"error: in:1: CSV header must name the columns productId and amount (and optionally id and op); is this CSV?"}));
}

TEST(FramerCsv, HeaderThenRows) {
  EXPECT_EQ(frame("\xEF\xBB\xBF\r\nid,OP,junk,ProductID,amount\r\na,place,x,MWBLU,1\r\n\r\n,,,MWLEM,2\n"),
            (Events{"begin csv id=0 op=1 product=3 amount=4 columns=5", "3: a,place,x,MWBLU,1", "5: ,,,MWLEM,2"}));
  EXPECT_EQ(frame("amount,productId\n"), (Events{"begin csv id=-1 op=-1 product=1 amount=0 columns=2"}));
  EXPECT_EQ(frame("amount,productId"), (Events{"begin csv id=-1 op=-1 product=1 amount=0 columns=2"}));
  EXPECT_EQ(frame("\"amount\",\"product\"\"Id\",productId\n3,x,MWBLU\n"),
            (Events{"begin csv id=-1 op=-1 product=2 amount=0 columns=3", "2: 3,x,MWBLU"}));
}

TEST(FramerCsv, HeaderErrorsAreFatalAndNameTheLine) {
  const std::string need = "CSV header must name the columns productId and amount (and optionally id and op); is this CSV?";
  EXPECT_EQ(frame("id,amount\nx,1\n"), (Events{"error: in:1: " + need}));
  EXPECT_EQ(frame("\n\nid,productId\n"), (Events{"error: in:3: " + need}));
  EXPECT_EQ(frame("amount,productId,Amount\n"), (Events{"error: in:1: CSV header names column Amount twice"}));
  EXPECT_EQ(frame("amount,\"productId\n"), (Events{"error: in:1: malformed CSV header"}));
}

TEST(FramerJson, ElementsOfOneArray) {
  EXPECT_EQ(frame("[{\"a\":1}, {\"b\":2}  ,\n{\"c\":3}]"),
            (Events{"begin json", "1: {\"a\":1}", "1: {\"b\":2}  ", "2: {\"c\":3}"}));
  EXPECT_EQ(frame("\xEF\xBB\xBF\n[\n  {\"a\":1},\n  {\"b\":\n2}\n]\n"),
            (Events{"begin json", "3: {\"a\":1}", "4: {\"b\":\n2}\n"}));
  EXPECT_EQ(frame("[]"), (Events{"begin json"}));
  EXPECT_EQ(frame("[ \n ]\n\n"), (Events{"begin json"}));
  EXPECT_EQ(frame("[1,\"s\",null,[2,3]]"), (Events{"begin json", "1: 1", "1: \"s\"", "1: null", "1: [2,3]"}));
}

TEST(FramerJson, NestingAndStringsDoNotEndElements) {
  EXPECT_EQ(frame(R"([{"a":[1,2,{"b":"]}"}],"c":"x,y"}, {"d":"\"],["}, {"e":"\\"}, {"f":"\\\"]"}])"),
            (Events{"begin json", R"(1: {"a":[1,2,{"b":"]}"}],"c":"x,y"})", R"(1: {"d":"\"],["})", R"(1: {"e":"\\"})",
                    R"(1: {"f":"\\\"]"})"}));
  // A stray '}' stays in its element (the decoder refuses it later).
  EXPECT_EQ(frame("[{\"a\":1}},2]"), (Events{"begin json", "1: {\"a\":1}}", "1: 2"}));
}

TEST(FramerJson, EmptyElements) {
  EXPECT_EQ(frame("[1,,2]"), (Events{"begin json", "1: 1", "1! empty_element", "1: 2"}));
  EXPECT_EQ(frame("[,1]"), (Events{"begin json", "1! empty_element", "1: 1"}));
  EXPECT_EQ(frame("[1,\n]"), (Events{"begin json", "1: 1", "2! empty_element"}));
  EXPECT_EQ(frame("[1, ,\n,2]"), (Events{"begin json", "1: 1", "1! empty_element", "2! empty_element", "2: 2"}));
}

TEST(FramerJson, UnterminatedArray) {
  EXPECT_EQ(frame("["), (Events{"begin json", "1! unterminated"}));
  EXPECT_EQ(frame("[\n\n"), (Events{"begin json", "3! unterminated"}));
  EXPECT_EQ(frame("[1,\n"), (Events{"begin json", "1: 1", "2! unterminated"}));
  EXPECT_EQ(frame("[1,\n{\"a\":\n2}"), (Events{"begin json", "1: 1", "2! unterminated"}));
  EXPECT_EQ(frame("[{\"a\":\"]}\n"), (Events{"begin json", "1! unterminated"}));
}

TEST(FramerJson, TrailingContentEndsTheFile) {
  EXPECT_EQ(frame("[1] x"), (Events{"begin json", "1: 1", "1! trailing"}));
  EXPECT_EQ(frame("[1]\n\n[2]\n{\"a\":1}\n"), (Events{"begin json", "1: 1", "3! trailing"}));
  EXPECT_EQ(frame("[1]\n \r\n\t"), (Events{"begin json", "1: 1"}));
}

TEST(FramerJson, OverLongElements) {
  EXPECT_EQ(frame("[1, 123456, 12345,\n\"a]b\"]", InputFormat::kJsonArray, 5),
            (Events{"begin json", "1: 1", "1! too_long 5", "1: 12345", "2: \"a]b\""}));
  // Skipping still follows strings and nesting to find where the element ends.
  EXPECT_EQ(frame("[{\"a\":\"],[,\",\n\"b\":[1,2,3]},\n7]", InputFormat::kJsonArray, 5),
            (Events{"begin json", "1! too_long 5", "3: 7"}));
  // Over-long and unterminated: one problem, one record.
  EXPECT_EQ(frame("[1,1234567", InputFormat::kJsonArray, 5), (Events{"begin json", "1: 1", "1! too_long 5"}));
}

TEST(FramerAnySplit, TwoPiecesCutAtEveryByte) {
  const std::string inputs[] = {
      "\xEF\xBB\xBF{\"id\":\"o1\",\"productId\":\"MWBLU\",\"amount\":3}\r\n\r\n  \n{\"a\":\"x\"}\r\n" +
          std::string(40, 'L') + "\n{\"z\":1}",
      "\xEF\xBB\xBF\n[ {\"a\":\"],\\\"\"},\n\n {\"b\":[1,{\"c\":2}]} ,, " + std::string(40, 'L') + ",\n3 ]\n x",
      "\xEF\xBB\xBFid,productId,amount\r\na,MWBLU,1\r\n\r\n" + std::string(40, 'L') + "\r\nb,\"MW,X\",2\r\n",
  };
  for (const std::string& input : inputs) {
    Events whole = frame_chunked(input, InputFormat::kAuto, 32, 0);
    ASSERT_GE(whole.size(), 4u);
    for (std::size_t cut = 0; cut <= input.size(); ++cut) {
      Framer framer(InputFormat::kAuto, 32, "in");
      Recorder rec;
      std::string a = input.substr(0, cut), b = input.substr(cut);
      ASSERT_TRUE(framer.feed(a.data(), a.size(), rec).ok());
      ASSERT_TRUE(framer.feed(b.data(), b.size(), rec).ok());
      ASSERT_TRUE(framer.finish(rec).ok());
      EXPECT_EQ(rec.events, whole) << "cut at " << cut;
    }
  }
}

TEST(FramerResume, NamesTheLineOfTheNextRecord) {
  Framer framer(InputFormat::kAuto, 100, "in");
  Recorder rec;
  std::string a = "{\"a\":1}\n\n{\"b\"";
  ASSERT_TRUE(framer.feed(a.data(), a.size(), rec).ok());
  EXPECT_EQ(framer.resume_line(), 3u);  // the carried-over partial record starts on line 3
  std::string b = ":2}\n";
  ASSERT_TRUE(framer.feed(b.data(), b.size(), rec).ok());
  EXPECT_EQ(framer.resume_line(), 4u);
  EXPECT_EQ(rec.events, (Events{"begin ndjson", "1: {\"a\":1}", "3: {\"b\":2}"}));
}

// The resident set size of this process, in bytes.
std::size_t rss_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t pages_total = 0, pages_resident = 0;
  statm >> pages_total >> pages_resident;
  return pages_resident * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}

// Feeds a record of `record_bytes` in 64 KiB pieces; the framer must not hold it.
void expect_skipped_without_buffering(InputFormat format, std::size_t record_bytes) {
  Framer framer(format, 1024, "in");
  Recorder rec;
  std::string piece(64 * 1024, 'x');
  std::string head = format == InputFormat::kJsonArray ? "[\"" : "{\"";
  ASSERT_TRUE(framer.feed(head.data(), head.size(), rec).ok());
  const std::size_t before = rss_bytes();
  for (std::size_t fed = 0; fed < record_bytes; fed += piece.size())
    ASSERT_TRUE(framer.feed(piece.data(), piece.size(), rec).ok());
  const std::size_t after = rss_bytes();  // the framer is still alive here
  std::string tail = format == InputFormat::kJsonArray ? "\",\n2]" : "\n{}\n";
  ASSERT_TRUE(framer.feed(tail.data(), tail.size(), rec).ok());
  ASSERT_TRUE(framer.finish(rec).ok());
  std::string begin = format == InputFormat::kJsonArray ? "begin json" : "begin ndjson";
  std::string next = format == InputFormat::kJsonArray ? "2: 2" : "2: {}";
  EXPECT_EQ(rec.events, (Events{begin, "1! too_long 1024", next}));
  // Holding the record would add its whole size; allow a quarter of it for noise.
  EXPECT_LT(after, before + record_bytes / 4) << "rss grew from " << before << " to " << after;
}

TEST(FramerMemory, OverLongLineIsNotHeldInMemory) { expect_skipped_without_buffering(InputFormat::kNdjson, 128u << 20); }
TEST(FramerMemory, OverLongElementIsNotHeldInMemory) { expect_skipped_without_buffering(InputFormat::kJsonArray, 48u << 20); }

}  // namespace
}  // namespace orderflow

namespace orderflow {
namespace {

// Records with the byte offset the framer gives for each (record_offset()).
class OffsetRecorder final : public RecordSink {
 public:
  explicit OffsetRecorder(const Framer& f) : framer(f) {}
  const Framer& framer;
  struct Seen {
    std::uint64_t line, offset;
    std::string bytes;  // empty for an invalid record
  };
  std::vector<Seen> seen;
  void begin_file(RecordFormat, const CsvLayout&) override {}
  void record(std::uint64_t line, const char* bytes, std::size_t n) override {
    seen.push_back({line, framer.record_offset(), std::string(bytes, n)});
  }
  void invalid(std::uint64_t line, Defect, std::uint64_t) override { seen.push_back({line, framer.record_offset(), ""}); }
};

std::vector<OffsetRecorder::Seen> frame_offsets(const std::string& input, std::size_t chunk, std::size_t max,
                                                std::uint64_t skip_before = 0, std::uint64_t skip_line = 0,
                                                Status* status = nullptr) {
  Framer framer(InputFormat::kAuto, max, "in");
  if (skip_before) framer.skip_before_offset(skip_before, skip_line);
  OffsetRecorder rec(framer);
  Status s;
  for (std::size_t i = 0; i < input.size() && s.ok(); i += chunk) {
    std::string piece = input.substr(i, chunk);
    s = framer.feed(piece.data(), piece.size(), rec);
  }
  if (s.ok()) s = framer.finish(rec);
  if (status) *status = s;
  return rec.seen;
}

const std::vector<std::string> kLayouts = {
    "\xEF\xBB\xBF{\"a\":1}\r\n\n  {\"b\":2}\n" + std::string(40, 'x') + "\n{\"c\":3}\n",
    "amount,productId\n1,A\n\n2,B\n" + std::string(40, 'y') + "\n3,C\n",
    "[{\"a\":1},{\"b\":[2,{\"x\":\",]\"}]}, ,{\"" + std::string(40, 'z') + "\":1},{\"c\":3}]",
    "[\n  {\"a\":1},\n  {\"b\":2}\n]\n",
    "amount;productId;id\n1;A;\"two\nlines\"\n2;B;\"x;\"\"y\"\"\"\n3;C;z\n",  // quoted fields across lines
};

// Every record's offset is where its bytes start in the file (for every
// layout and every way the bytes arrive), and an over-long record (32 bytes
// at most here) is at its own start.
TEST(FramerOffsets, EveryRecordStartsAtItsOffset) {
  for (const std::string& input : kLayouts) {
    for (std::size_t chunk : {std::size_t{1}, std::size_t{3}, std::size_t{7}, input.size()}) {
      std::vector<OffsetRecorder::Seen> seen = frame_offsets(input, chunk, 32);
      ASSERT_FALSE(seen.empty());
      for (const auto& s : seen) {
        if (!s.bytes.empty()) {
          EXPECT_EQ(input.compare(s.offset, s.bytes.size(), s.bytes), 0) << input << " @" << s.offset;
        }
        EXPECT_EQ(static_cast<std::uint64_t>(std::count(input.begin(), input.begin() + static_cast<long>(s.offset), '\n')) + 1,
                  s.line)
            << input << " @" << s.offset;
      }
      EXPECT_EQ(seen.size(), frame_offsets(input, input.size(), 32).size());
    }
  }
}

// Skipping to any record's offset hands on exactly the records from it on.
TEST(FramerOffsets, SkippingBeforeAnOffsetHandsOnTheRestExactly) {
  for (const std::string& input : kLayouts) {
    std::vector<OffsetRecorder::Seen> all = frame_offsets(input, input.size(), 32);
    for (std::size_t k = 1; k < all.size(); ++k) {
      if (all[k].offset == 0) continue;
      for (std::size_t chunk : {std::size_t{1}, std::size_t{5}, input.size()}) {
        Status st;
        std::vector<OffsetRecorder::Seen> rest = frame_offsets(input, chunk, 32, all[k].offset, all[k].line, &st);
        ASSERT_TRUE(st.ok()) << st.message();
        ASSERT_EQ(rest.size(), all.size() - k) << input << " from " << all[k].offset;
        for (std::size_t i = 0; i < rest.size(); ++i) {
          EXPECT_EQ(rest[i].offset, all[k + i].offset);
          EXPECT_EQ(rest[i].bytes, all[k + i].bytes);
        }
      }
    }
  }
  // An offset inside a record, or on another line, is not this input's.
  Status inside, line;
  frame_offsets(kLayouts[0], 4, 32, 6, 1, &inside);
  EXPECT_FALSE(inside.ok());
  frame_offsets(kLayouts[0], 4, 32, frame_offsets(kLayouts[0], 99, 32)[1].offset, 7, &line);
  EXPECT_FALSE(line.ok());
}

// While the rest of an over-long line is skipped, the resume point is that
// line's start: it is handed on (once) only when its end is found.
TEST(FramerOffsets, AnOverLongLineIsHandedOnWhenItEndsAndResumesAtItsStart) {
  Framer framer(InputFormat::kAuto, 16, "in");
  OffsetRecorder rec(framer);
  std::string a = "{\"a\":1}\n" + std::string(100, 'x');
  ASSERT_TRUE(framer.feed(a.data(), a.size(), rec).ok());
  EXPECT_EQ(rec.seen.size(), 1u) << "handed on before its end";
  EXPECT_EQ(framer.resume_offset(), 8u);
  EXPECT_EQ(framer.resume_line(), 2u);
  std::string b = std::string(50, 'x') + "\n{\"b\":2}\n";
  ASSERT_TRUE(framer.feed(b.data(), b.size(), rec).ok());
  ASSERT_EQ(rec.seen.size(), 3u);
  EXPECT_EQ(rec.seen[1].offset, 8u);
  EXPECT_EQ(rec.seen[1].line, 2u);
  EXPECT_EQ(rec.seen[2].offset, 159u);
  EXPECT_EQ(framer.resume_offset(), a.size() + b.size());
}

}  // namespace
}  // namespace orderflow
