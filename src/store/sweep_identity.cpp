#include "sweep_identity.hpp"

#include "h5.hpp"

namespace aecnn::store {

RecordedSweep recorded_sweep(hid_t root, const std::string& path) {
  RecordedSweep sweep;
  sweep.name = h5::read_string_attr(root, "sweep_name", path);
  sweep.hash = h5::read_string_attr(root, "sweep_hash", path);
  sweep.toml = h5::read_string_attr(root, "sweep_toml", path);
  if (h5::has_attr(root, "overrides")) sweep.overrides = h5::read_string_attr(root, "overrides", path);
  return sweep;
}

std::string printable(const std::string& text) {
  std::string shown;
  for (char c : text) shown += static_cast<unsigned char>(c) < 0x20 ? '?' : c;
  return shown;
}

std::string another_sweep_message(const std::string& path, const RecordedSweep& recorded, const std::string& hash,
                                  const std::string& toml, const std::string& overrides) {
  const auto or_none = [](const std::string& text) { return text.empty() ? std::string("none") : "'" + printable(text) + "'"; };
  std::string why;
  if (recorded.toml != toml) why = "its sweep file's text differs from this one's";
  if (recorded.overrides != overrides)
    why += (why.empty() ? "" : ", and ") + std::string("its overrides were ") + or_none(recorded.overrides) +
           ", this run's are " + or_none(overrides);
  if (why.empty()) why = "its sweep file and overrides read as this run's, but were hashed differently (by another aecnn-sweep?)";
  return path + ": holds results of another sweep ('" + printable(recorded.name) + "', hash " + printable(recorded.hash) +
         ", this one is " + hash + "): " + why +
         ". To continue it, run it with its own sweep file and options; to start anew, add --new-file (the old file "
         "is moved aside, not deleted) or write elsewhere with -o";
}

}  // namespace aecnn::store
