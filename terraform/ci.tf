# Optional: the role .github/workflows/image.yml assumes through GitHub's OIDC provider to push
# images to this repository (and nothing else). Set var.github_repository to create it.

locals {
  # The refs .github/workflows/image.yml runs on (push to main, v* tags; a manual run is refused on
  # any other ref): the OIDC trust admits exactly these. scripts/test-infra.ts checks that the two
  # agree.
  image_workflow_refs = ["refs/heads/main", "refs/tags/v*"]

  create_image_push_role   = var.github_repository != null
  create_github_oidc       = local.create_image_push_role && var.github_oidc_provider_arn == null
  github_oidc_provider_arn = local.create_github_oidc ? aws_iam_openid_connect_provider.github[0].arn : var.github_oidc_provider_arn
}

resource "aws_iam_openid_connect_provider" "github" {
  count = local.create_github_oidc ? 1 : 0

  url            = "https://token.actions.githubusercontent.com"
  client_id_list = ["sts.amazonaws.com"]
}

resource "aws_iam_role" "image_push" {
  count = local.create_image_push_role ? 1 : 0

  name        = "${var.name}-image-push"
  description = "GitHub Actions (${var.github_repository}) pushes ${var.name} images to ECR"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "GitHubActionsOidc"
        Effect    = "Allow"
        Principal = { Federated = local.github_oidc_provider_arn }
        Action    = "sts:AssumeRoleWithWebIdentity"
        Condition = {
          StringEquals = { "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com" }
          StringLike = {
            "token.actions.githubusercontent.com:sub" = [for ref in local.image_workflow_refs : "repo:${var.github_repository}:ref:${ref}"]
          }
        }
      },
    ]
  })
}

resource "aws_iam_role_policy" "image_push" {
  count = local.create_image_push_role ? 1 : 0

  name = "push-image"
  role = aws_iam_role.image_push[0].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "EcrAuthorizationToken"
        Effect   = "Allow"
        Action   = ["ecr:GetAuthorizationToken"]
        Resource = ["*"]
      },
      {
        Sid    = "PushToThisRepository"
        Effect = "Allow"
        Action = [
          "ecr:BatchCheckLayerAvailability",
          "ecr:BatchGetImage",
          "ecr:CompleteLayerUpload",
          "ecr:DescribeImages",
          "ecr:GetDownloadUrlForLayer",
          "ecr:InitiateLayerUpload",
          "ecr:PutImage",
          "ecr:UploadLayerPart",
        ]
        Resource = [aws_ecr_repository.this.arn]
      },
    ]
  })
}
