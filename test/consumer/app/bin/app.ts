#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { ShopJobsStack } from '../lib/shop-jobs-stack';

const app = new App();
new ShopJobsStack(app, 'ShopJobs');
