// Registers aws-sdk-client-mock matchers (toReceiveCommandWith, ...) for every suite.
import 'aws-sdk-client-mock-vitest/extend';

// Unit tests never reach AWS: dummy credentials and region, no instance-metadata look-ups.
process.env.AWS_REGION ??= 'us-east-1';
process.env.AWS_ACCESS_KEY_ID ??= 'testing';
process.env.AWS_SECRET_ACCESS_KEY ??= 'testing';
process.env.AWS_EC2_METADATA_DISABLED = 'true';
// The SDK's notice that releases after January 2027 need Node.js 22 is for users, not for test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
