/* userns: placeholder until implemented. */
