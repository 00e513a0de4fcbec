// Remote functions registered from a library the test does not reference by
// symbol, as a user's library would be.

#include <string>

#include "core/api/function_registry.h"

namespace photon_test_functions {

std::string Greet(const std::string& who) { return "hello " + who; }

}  // namespace photon_test_functions

PHOTON_REMOTE(photon_test_functions::Greet);
