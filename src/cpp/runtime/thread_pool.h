// A small persistent thread pool: one per interpreter, num_threads − 1 workers plus the calling
// thread. ParallelFor splits [0, n) into contiguous chunks, one per thread; callers split only
// work whose arithmetic does not depend on the split (output row or channel blocks), so results
// are identical for every thread count.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <type_traits>
#include <vector>

namespace qtflite {

class ThreadPool {
 public:
  // threads >= 1: that many threads (the caller included); -1: all cores available to the process.
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return static_cast<int>(workers_.size()) + 1; }

  // Calls fn(begin, end, thread) over contiguous chunks covering [0, n), `thread` in [0, size())
  // unique among concurrent calls (an index into per-thread scratch). Returns when all are done;
  // rethrows the first exception a chunk threw. Not reentrant (one ParallelFor at a time).
  template <typename Fn>
  void ParallelFor(int64_t n, Fn&& fn) {
    if (n <= 0) return;
    if (n == 1 || workers_.empty()) {
      fn(int64_t{0}, n, 0);
      return;
    }
    Run(n, [](void* f, int64_t b, int64_t e, int t) { (*static_cast<std::remove_reference_t<Fn>*>(f))(b, e, t); },
        const_cast<void*>(static_cast<const void*>(&fn)));
  }

  // Cores this process may run on (sched_getaffinity where available, else hardware_concurrency).
  static int AvailableCores();

 private:
  using Trampoline = void (*)(void*, int64_t, int64_t, int);
  void Run(int64_t n, Trampoline call, void* fn);
  void RunChunk(int chunk);
  void WorkerLoop(int index);

  std::vector<std::thread> workers_;
  // Workers and the caller spin briefly on the atomics before sleeping on the condition
  // variables: an operator's parallel part follows the last one within microseconds, sooner
  // than a sleeping thread wakes.
  std::mutex mutex_;
  std::condition_variable start_, done_;
  std::atomic<uint64_t> generation_{0};  // bumped by each Run: workers wait for a new one
  std::atomic<int> pending_{0};          // workers not yet finished with the current generation
  bool stop_ = false;
  // The current job.
  int64_t n_ = 0;
  int chunks_ = 0;
  Trampoline call_ = nullptr;
  void* fn_ = nullptr;
  std::exception_ptr error_;
};

}  // namespace qtflite
