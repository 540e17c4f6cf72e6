// The undo journal that makes each commit to results.h5 atomic, and the driver that uses it.
// Crashes of a real sweep at every write are tests/crash/crash_points.sh; here the states a
// crash can leave are made by hand, one by one.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <hdf5.h>
#include <sys/file.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "../../src/store/journaled_driver.hpp"
#include "../../src/store/undo_journal.hpp"
#include "../support/error_message.hpp"
#include "../support/temp_dir.hpp"
#include "store_support.hpp"
#include "aecnn/store/reader.hpp"
#include "aecnn/store/writer.hpp"

namespace aecnn::store {
namespace {

using ::testing::HasSubstr;

std::string contents(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<unsigned char> bytes_of(const std::string& text) { return {text.begin(), text.end()}; }

void write_journal(const std::string& path, const journal::UndoRecord& record, std::size_t keep = SIZE_MAX) {
  const auto bytes = journal::encode(record);
  std::ofstream out(journal::journal_path(path), std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(std::min(keep, bytes.size())));
}

// A file "before" that a commit began to change into "after": the journal saved what it replaces.
struct HalfDoneCommit {
  std::string before = std::string(4096, 'a') + std::string(4096, 'b') + "tail";
  journal::UndoRecord undo{before.size(), {{0, bytes_of(before.substr(0, 4096))}, {4096, bytes_of(before.substr(4096))}}};
};

TEST(UndoJournal, EncodesAndDecodesARecord) {
  const HalfDoneCommit c;
  const auto decoded = journal::decode(journal::encode(c.undo));
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->original_length, c.before.size());
  ASSERT_EQ(decoded->ranges.size(), 2u);
  EXPECT_EQ(decoded->ranges[1].offset, 4096u);
  EXPECT_EQ(decoded->ranges[1].bytes, bytes_of(c.before.substr(4096)));
}

// A journal cut anywhere (a writer killed while writing it) and a journal with any byte changed
// are "incomplete": they undo nothing, because the file was not touched before it was whole.
TEST(UndoJournal, EveryCutAndEveryFlippedByteMakesAJournalIncomplete) {
  const auto bytes = journal::encode(HalfDoneCommit().undo);
  for (std::size_t size = 0; size < bytes.size(); ++size)
    EXPECT_FALSE(journal::decode({bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(size)})) << size;
  for (std::size_t i = 0; i < bytes.size(); i += 97) {
    auto flipped = bytes;
    flipped[i] ^= 0x10;
    EXPECT_FALSE(journal::decode(flipped)) << i;
  }
}

// The journal file is reused: a shorter record leaves the tail of a longer earlier one behind it.
TEST(UndoJournal, ARecordFollowedByAnEarlierOnesTailIsItself) {
  const HalfDoneCommit c;
  journal::UndoRecord small{5, {{0, bytes_of("abc")}}};
  auto bytes = journal::encode(small);
  const auto longer = journal::encode(c.undo);
  bytes.insert(bytes.end(), longer.begin() + static_cast<std::ptrdiff_t>(bytes.size()), longer.end());
  const auto decoded = journal::decode(bytes);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->original_length, 5u);
  ASSERT_EQ(decoded->ranges.size(), 1u);
  EXPECT_EQ(decoded->ranges[0].bytes, bytes_of("abc"));
}

TEST(UndoJournal, ARetiredJournalUndoesNothing) {
  aecnn::testing::TempDir dir;
  const auto path = dir.write("r.h5", "as committed");
  auto bytes = journal::encode(HalfDoneCommit().undo);
  std::copy(journal::retired_mark().begin(), journal::retired_mark().end(), bytes.begin());
  EXPECT_TRUE(journal::retired(bytes));
  EXPECT_FALSE(journal::decode(bytes));
  std::ofstream(journal::journal_path(path), std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  EXPECT_EQ(journal::recover(path), journal::Recovery::kClean);
  EXPECT_EQ(contents(path), "as committed");
  EXPECT_FALSE(std::filesystem::exists(journal::journal_path(path)));
}

TEST(UndoJournal, NoJournalIsClean) {
  aecnn::testing::TempDir dir;
  const auto path = dir.write("r.h5", "data");
  EXPECT_EQ(journal::recover(path), journal::Recovery::kClean);
  EXPECT_EQ(contents(path), "data");
}

TEST(UndoJournal, ACompleteJournalRollsTheFileBackToItsOldBytesAndLength) {
  aecnn::testing::TempDir dir;
  const HalfDoneCommit c;
  // The commit had written its first page and grown the file when it was killed.
  const auto path = dir.write("r.h5", std::string(4096, 'X') + c.before.substr(4096) + std::string(10000, 'Y'));
  write_journal(path, c.undo);
  EXPECT_EQ(journal::recover(path), journal::Recovery::kRolledBack);
  EXPECT_EQ(contents(path), c.before);
  EXPECT_FALSE(std::filesystem::exists(journal::journal_path(path)));
}

TEST(UndoJournal, ARollBackCutShortIsDoneAgainToTheSameEnd) {
  aecnn::testing::TempDir dir;
  const HalfDoneCommit c;
  const auto path = dir.write("r.h5", std::string(12000, 'X'));
  write_journal(path, c.undo);
  {  // the first range written back, then a kill: the journal is still there
    std::fstream out(path, std::ios::binary | std::ios::in | std::ios::out);
    out.write(c.before.data(), 4096);
  }
  EXPECT_EQ(journal::recover(path), journal::Recovery::kRolledBack);
  EXPECT_EQ(contents(path), c.before);
}

TEST(UndoJournal, AnIncompleteJournalIsRemovedAndTheFileLeftAlone) {
  aecnn::testing::TempDir dir;
  const auto path = dir.write("r.h5", "as committed");
  write_journal(path, HalfDoneCommit().undo, 5000);
  EXPECT_EQ(journal::recover(path), journal::Recovery::kDiscarded);
  EXPECT_EQ(contents(path), "as committed");
  EXPECT_FALSE(std::filesystem::exists(journal::journal_path(path)));
  dir.write("r.h5.journal", "");  // an empty one: a writer killed between commits
  EXPECT_EQ(journal::recover(path), journal::Recovery::kClean);
  EXPECT_FALSE(std::filesystem::exists(journal::journal_path(path)));
}

TEST(UndoJournal, NothingIsTouchedWhileAWriterHoldsTheFile) {
  aecnn::testing::TempDir dir;
  const HalfDoneCommit c;
  const auto path = dir.write("r.h5", std::string(12000, 'X'));
  write_journal(path, c.undo);
  const int writer = open(path.c_str(), O_RDWR);
  ASSERT_EQ(flock(writer, LOCK_EX), 0);  // a live writer holds its file locked
  EXPECT_EQ(journal::recover(path), journal::Recovery::kWriterActive);
  EXPECT_EQ(contents(path), std::string(12000, 'X'));
  EXPECT_TRUE(std::filesystem::exists(journal::journal_path(path)));
  close(writer);
  EXPECT_EQ(journal::recover(path), journal::Recovery::kRolledBack);
}

TEST(UndoJournal, AJournalWithoutItsFileIsStale) {
  aecnn::testing::TempDir dir;
  const auto path = dir.file("gone.h5");
  write_journal(path, HalfDoneCommit().undo);
  EXPECT_EQ(journal::recover(path), journal::Recovery::kDiscarded);
  EXPECT_FALSE(std::filesystem::exists(journal::journal_path(path)));
}

using Sweep = testing::ThreeTrialSweep;

TEST(JournaledDriver, AClosedWriterLeavesNoJournalAndAPlainHdf5File) {
  aecnn::testing::TempDir dir;
  Sweep s;
  const auto path = dir.file("r.h5");
  {
    ResultsWriter writer(path, s.info);
    writer.begin_trial(s.trials[0], {1});
    // There for the session, retired between commits.
    EXPECT_TRUE(journal::retired(bytes_of(contents(journal::journal_path(path)))));
  }
  EXPECT_FALSE(std::filesystem::exists(journal::journal_path(path)));
  // The default driver reads it: nothing of ours is needed to open the file.
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  ASSERT_GE(file, 0);
  EXPECT_GT(H5Lexists(file, "/trials/id", H5P_DEFAULT), 0);
  H5Fclose(file);
  EXPECT_EQ(read_results(path).trials.at(0).id, "r-0000");
}

// Only commit() changes the file: HDF5's own flushes (H5Fcreate flushes the new superblock
// alone) and closing do not, so what the file holds is always a state the writer vouched for.
TEST(JournaledDriver, OnlyACommitReachesTheFile) {
  aecnn::testing::TempDir dir;
  const auto path = dir.file("d.h5");
  {
    const h5::Id access = journaled::file_access();
    h5::Id file(H5Fcreate(path.c_str(), H5F_ACC_EXCL, H5P_DEFAULT, access.get()), H5Fclose, path);
    H5Fflush(file.get(), H5F_SCOPE_GLOBAL);
    EXPECT_EQ(std::filesystem::file_size(path), 0u);  // flushed, not committed
    h5::create_group(file.get(), "kept", path);
    journaled::commit(file.get(), path);
    h5::create_group(file.get(), "dropped", path);
    H5Fflush(file.get(), H5F_SCOPE_GLOBAL);
  }  // closed without a commit
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  ASSERT_GE(file, 0);
  EXPECT_GT(H5Lexists(file, "kept", H5P_DEFAULT), 0);
  EXPECT_EQ(H5Lexists(file, "dropped", H5P_DEFAULT), 0);
  H5Fclose(file);
  EXPECT_FALSE(std::filesystem::exists(journal::journal_path(path)));
}

// The state a commit killed halfway leaves, made from two real commits: the file holds the
// second, torn, and the journal holds the first's bytes.
struct TornSecondCommit {
  aecnn::testing::TempDir dir;
  Sweep s;
  std::string path = dir.file("r.h5");
  std::string first, second;
  TornSecondCommit() {
    {
      ResultsWriter writer(path, s.info);
      writer.begin_trial(s.trials[0], {1});
    }
    first = contents(path);
    {
      ResultsWriter writer(path, s.info);
      writer.begin_trial(s.trials[1], {1});
    }
    second = contents(path);
    journal::UndoRecord undo{first.size(), {}};
    for (std::size_t at = 0; at < first.size(); at += 4096)
      undo.ranges.push_back({at, bytes_of(first.substr(at, 4096))});
    write_journal(path, undo);
    // Torn: the middle of the second commit's file scrambled, as a cut write would leave it.
    std::string torn = second;
    for (std::size_t i = 512; i < torn.size(); i += 3) torn[i] = static_cast<char>(torn[i] ^ 0x5a);
    std::ofstream(path, std::ios::binary | std::ios::trunc) << torn;
  }
};

TEST(JournaledDriver, AReaderThatMayNotRollBackSeesTheLastCompleteCommit) {
  TornSecondCommit t;
  const std::string torn = contents(t.path);
  const int writer = open(t.path.c_str(), O_RDWR);
  ASSERT_EQ(flock(writer, LOCK_EX), 0);  // as if a writer were still committing
  const auto results = read_results(t.path);
  ASSERT_EQ(results.trials.size(), 1u);  // the first commit's one trial, read through the journal
  EXPECT_EQ(results.trials[0].id, "r-0000");
  EXPECT_EQ(contents(t.path), torn);  // and nothing written
  close(writer);
}

TEST(JournaledDriver, AReaderRollsBackWhatAKilledWriterLeftAndSaysSo) {
  TornSecondCommit t;
  const auto results = read_results(t.path);
  EXPECT_THAT(results.recovery_note, HasSubstr("rolled back a commit that a killed writer left unfinished"));
  EXPECT_EQ(results.trials.size(), 1u);
  EXPECT_EQ(contents(t.path), t.first);
  EXPECT_FALSE(std::filesystem::exists(journal::journal_path(t.path)));
}

TEST(JournaledDriver, AWriterRollsBackTooAndGoesOn) {
  TornSecondCommit t;
  ResultsWriter writer(t.path, t.s.info);
  EXPECT_THAT(writer.recovery_note(), HasSubstr("rolled back"));
  EXPECT_EQ(writer.trial_states().size(), 1u);
  writer.begin_trial(t.s.trials[2], {1});
  EXPECT_EQ(writer.trial_states().size(), 2u);
}

TEST(JournaledDriver, AnEmptyFileWasNeverCommittedAndStartsAfresh) {
  aecnn::testing::TempDir dir;
  Sweep s;
  const auto path = dir.write("r.h5", "");
  EXPECT_THAT(aecnn::testing::error_message<H5Error>([&] { read_results(path); }),
              HasSubstr("r.h5: empty: the sweep that creates it was stopped before its first commit"));
  ResultsWriter writer(path, s.info);
  EXPECT_TRUE(writer.trial_states().empty());
}

}  // namespace
}  // namespace aecnn::store
