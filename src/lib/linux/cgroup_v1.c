/* cgroup_v1: placeholder until implemented. */
