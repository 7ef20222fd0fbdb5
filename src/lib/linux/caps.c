/* caps: placeholder until implemented. */
