#include "threadpool.h"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace pcl {
namespace {

class Pool {
 public:
  Pool() { resize(default_threads()); }
  ~Pool() { stop_workers(); }

  static int default_threads() {
    unsigned h = std::thread::hardware_concurrency();
    return h == 0 ? 1 : static_cast<int>(h);
  }

  int size() const { return nthreads_; }

  void resize(int n) {
    if (n <= 0) n = default_threads();
    if (n > 256) n = 256;
    if (n == nthreads_) return;
    stop_workers();
    nthreads_ = n;
    stop_ = false;
    // Workers start from the generation current now, so a job posted before a worker first runs
    // is still seen as new by it.
    const unsigned gen = generation_.load();
    for (int i = 1; i < n; ++i) workers_.emplace_back([this, gen] { worker_loop(gen); });
  }

  void run(int ntasks, const std::function<void(int)>& fn) {
    if (ntasks <= 0) return;
    if (ntasks == 1 || nthreads_ == 1 || in_job_) {
      for (int t = 0; t < ntasks; ++t) fn(t);
      return;
    }
    std::unique_lock<std::mutex> job_lock(job_mutex_);  // one job at a time
    in_job_ = true;
    fn_ = &fn;
    ntasks_ = ntasks;
    next_.store(0, std::memory_order_relaxed);
    pending_.store(static_cast<int>(workers_.size()), std::memory_order_relaxed);
    {
      std::lock_guard<std::mutex> lk(mutex_);
      generation_.fetch_add(1, std::memory_order_release);
    }
    cv_.notify_all();
    work();
    // Wait for the workers: spin briefly, then block.
    for (int spin = 0; pending_.load(std::memory_order_acquire) != 0; ++spin) {
      if (spin > 20000) {
        std::unique_lock<std::mutex> lk(mutex_);
        done_cv_.wait(lk, [this] { return pending_.load(std::memory_order_acquire) == 0; });
        break;
      }
      cpu_relax();
    }
    fn_ = nullptr;
    in_job_ = false;
  }

 private:
  static inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
  }

  void work() {
    for (;;) {
      int t = next_.fetch_add(1, std::memory_order_relaxed);
      if (t >= ntasks_) break;
      (*fn_)(t);
    }
  }

  void worker_loop(unsigned seen) {
    for (;;) {
      // Spin a little for back-to-back jobs, then sleep.
      int spin = 0;
      while (generation_.load(std::memory_order_acquire) == seen && !stop_.load()) {
        if (++spin > 4000) {
          std::unique_lock<std::mutex> lk(mutex_);
          cv_.wait(lk, [&] { return generation_.load(std::memory_order_acquire) != seen || stop_.load(); });
          break;
        }
        cpu_relax();
      }
      if (stop_.load()) return;
      seen = generation_.load(std::memory_order_acquire);
      work();
      if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        std::lock_guard<std::mutex> lk(mutex_);
        done_cv_.notify_all();
      }
    }
  }

  void stop_workers() {
    {
      std::lock_guard<std::mutex> lk(mutex_);
      stop_ = true;
      generation_.fetch_add(1);
    }
    cv_.notify_all();
    for (auto& w : workers_) w.join();
    workers_.clear();
  }

  int nthreads_ = 0;
  std::vector<std::thread> workers_;
  std::mutex job_mutex_, mutex_;
  std::condition_variable cv_, done_cv_;
  std::atomic<unsigned> generation_{0};
  std::atomic<bool> stop_{false};
  std::atomic<int> next_{0}, pending_{0};
  const std::function<void(int)>* fn_ = nullptr;
  int ntasks_ = 0;
  bool in_job_ = false;
};

Pool& pool() {
  static Pool* p = new Pool();  // never destroyed: workers must not be joined during static teardown
  return *p;
}

}  // namespace

void parallel_for(int ntasks, const std::function<void(int)>& fn) { pool().run(ntasks, fn); }
void set_num_threads(int n) { pool().resize(n); }
int num_threads() { return pool().size(); }

}  // namespace pcl
