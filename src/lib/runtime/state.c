/* state: placeholder until implemented. */
