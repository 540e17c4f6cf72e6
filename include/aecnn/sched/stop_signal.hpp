#pragma once
// Stop requests by signal. SIGTERM (Slurm at a time limit or on scancel), SIGINT (Ctrl-C) and
// SIGUSR1 (Slurm's --signal warning before a time limit) do not kill aecnn-sweep: they set a
// flag that the scheduler and the trainers poll, so running trials stop at their next step,
// their last checkpoint is already in results.h5, and the sweep exits saying it can be resumed.
// A second Ctrl-C quits at once (the default action is restored after the first).

namespace aecnn::sched {

/// Installs the handlers (call once per process, after MPI_Init: Open MPI may set its own).
void install_stop_handlers();

/// The signal that asked this process to stop, or 0.
int stop_signal() noexcept;

/// Once a stopped sweep has committed everything, a further stop signal has nothing
/// left to stop: it quits at once with `exit_code` (the clean stop's), not by the default action
/// (a second Ctrl-C while MPI finalises made the exit code 130, as if the stop had not been clean).
void quit_on_next_stop_signal(int exit_code);

/// "SIGTERM", "SIGINT", "SIGUSR1", or "signal N".
const char* signal_name(int signal) noexcept;

}  // namespace aecnn::sched
