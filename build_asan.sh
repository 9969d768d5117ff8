#!/bin/sh
set -e
cd /tmp/review51
flock /tmp/tenet-build.lock g++ -std=c++20 -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -I/work/main/build-asan/include -I/work/main/build-asan/generated "$1.cpp" -o "$1_asan" -L/work/main/build-asan -ltenet -Wl,-rpath,/work/main/build-asan -pthread
