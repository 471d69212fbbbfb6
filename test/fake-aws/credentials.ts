/** The keys every fake AWS service here accepts (the fake Organizations service, s3rver). */
export const FAKE_CREDENTIALS = { accessKeyId: "AKIDFAKEFAKEFAKE", secretAccessKey: "fake-secret" };
