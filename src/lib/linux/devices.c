/* devices: placeholder until implemented. */
