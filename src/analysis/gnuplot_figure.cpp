#include "gnuplot_figure.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <vector>

#include "aecnn/error.hpp"

extern char** environ;

namespace aecnn::analysis {
namespace {

// Runs `gnuplot script` in `dir` with no shell between: argv is passed as it is, so no name
// can be read as a command. gnuplot's messages go to `log`. Returns gnuplot's exit status.
int run_gnuplot(const std::string& dir, const std::string& script, const std::string& log) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  // In order: the log's path is relative to our directory, the script's to `dir`.
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addchdir_np(&actions, dir.c_str());
  std::vector<char*> argv = {const_cast<char*>("gnuplot"), const_cast<char*>(script.c_str()), nullptr};
  pid_t pid = -1;
  const int spawned = posix_spawnp(&pid, "gnuplot", &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) return -1;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

std::string quoted(const std::string& text) {
  std::string q = "'";
  for (char c : text) {
    if (c == '\'') q += "''";
    else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) q += ' ';
    else q += c;
  }
  return q + "'";
}

std::string field(const std::string& text) {
  std::string f = text;
  for (char& c : f)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  return f;
}

std::string Figure::draw(const std::string& size) {
  std::ofstream(dir_ + "/" + name_ + ".dat") << data.str();
  std::ofstream gp(dir_ + "/" + name_ + ".gp");
  gp << "# Redraw with: gnuplot " << name_ << ".gp (in this folder). Data: " << name_ << ".dat\n"
     << "set datafile separator '\\t'\nset key below\nset grid ytics\n"
     << "set terminal pngcairo noenhanced size " << size << " font 'sans,10'\nset output '" << name_ << ".png'\n"
     << script.str() << "\nset terminal svg noenhanced size " << size << " font 'sans,10'\nset output '" << name_
     << ".svg'\nreplot\nunset output\n";
  gp.close();
  const std::string log = dir_ + "/" + name_ + ".gnuplot.log";
  if (run_gnuplot(dir_, name_ + ".gp", log) != 0)
    throw Error(dir_ + "/" + name_ + ".gp: gnuplot failed (is gnuplot installed? see " + name_ + ".gnuplot.log)");
  std::remove(log.c_str());
  return name_;
}

}  // namespace aecnn::analysis
