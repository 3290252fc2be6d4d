// Registers cdktf's Testing matchers (toHaveResourceWithProperties, ...) once, for every test file.
import { Testing } from 'cdktf';

Testing.setupJest();
