// Persistent worker pool: the calling thread plus (n-1) workers that sleep between jobs.
#pragma once
#include <functional>

namespace pcl {

// Runs fn(task) for task in [0, ntasks) on the pool (the caller takes part). Tasks are handed
// out dynamically; callers that reduce must make results independent of which thread ran a task.
void parallel_for(int ntasks, const std::function<void(int)>& fn);

// Thread count (1 = everything on the calling thread). n <= 0 means "all hardware threads".
void set_num_threads(int n);
int num_threads();

}  // namespace pcl
