#include "aecnn/sched/stop_signal.hpp"

#include <csignal>
#include <cstdio>
#include <initializer_list>

#include <unistd.h>

namespace aecnn::sched {
namespace {

volatile std::sig_atomic_t requested = 0;

extern "C" void on_stop_signal(int signal) {
  if (requested == 0) requested = signal;
}

}  // namespace

void install_stop_handlers() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  // No SA_RESTART needed: nothing blocks in a system call for long (MPI waits are polled).
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGUSR1, &action, nullptr);
  action.sa_flags = SA_RESETHAND;  // a second Ctrl-C takes the default action: quit now
  sigaction(SIGINT, &action, nullptr);
}

int stop_signal() noexcept { return requested; }

namespace {
volatile std::sig_atomic_t quit_code = 0;
extern "C" void quit_at_once(int) { _exit(quit_code); }
}  // namespace

void quit_on_next_stop_signal(int exit_code) {
  quit_code = exit_code;
  struct sigaction action {};
  action.sa_handler = quit_at_once;
  sigemptyset(&action.sa_mask);
  for (int signal : {SIGTERM, SIGUSR1, SIGINT}) sigaction(signal, &action, nullptr);
}

const char* signal_name(int signal) noexcept {
  switch (signal) {
    case SIGTERM: return "SIGTERM";
    case SIGINT: return "SIGINT";
    case SIGUSR1: return "SIGUSR1";
    default: {
      static char text[24];
      std::snprintf(text, sizeof text, "signal %d", signal);
      return text;
    }
  }
}

}  // namespace aecnn::sched
