/* cgroup_v2: placeholder until implemented. */
