#pragma once
// Runs an action expected to throw ErrorType and returns the message, or "no error". An error of
// another type escapes and fails the test, so the type is checked along with the message.
#include <functional>
#include <string>

namespace aecnn::testing {

template <typename ErrorType>
std::string error_message(const std::function<void()>& action) {
  try {
    action();
  } catch (const ErrorType& error) {
    return error.what();
  }
  return "no error";
}

}  // namespace aecnn::testing
