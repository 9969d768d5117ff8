// Tests core/base/version.cpp: the generated <tenet/version.hpp> and tenet::version().
#include <doctest/doctest.h>

#include <string>

#include <tenet/tenet.hpp>

TEST_CASE("the version header's numbers, its string and the library's version agree") {
  const std::string numbers = std::to_string(TENET_VERSION_MAJOR) + "." +
                              std::to_string(TENET_VERSION_MINOR) + "." +
                              std::to_string(TENET_VERSION_PATCH);
  CHECK(numbers == TENET_VERSION_STRING);
  CHECK(std::string(tenet::version()) == TENET_VERSION_STRING);
}
