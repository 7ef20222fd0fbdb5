/* cgroup: placeholder until implemented. */
