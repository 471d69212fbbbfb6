output "role_arn" {
  description = "ARN of the reader role: set it as organizations_reader_role_arn in the main stack."
  value       = aws_iam_role.reader.arn
}

output "role_name" {
  description = "Name of the reader role."
  value       = aws_iam_role.reader.name
}
