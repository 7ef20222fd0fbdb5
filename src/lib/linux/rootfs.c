/* rootfs: placeholder until implemented. */
